package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --inference-device}: where the models run. This machine has no GPU (the CPU build of libtorch is
 * pinned), so asking for one must fail clearly; on a GPU machine the same code picks it (README, "On a GPU").
 */
class InferenceDeviceTest {

    @Test
    void autoIsDjlsDefaultDeviceAndCpuIsTheCpu() {
        assertThat(InferenceDevice.resolve("auto")).isNull();
        assertThat(InferenceDevice.resolve(" CPU ")).isEqualTo(Device.cpu());
        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of("inference-device", "cpu"));
        assertThat(EmbeddingConfig.fromFlags(config.toFlags(), Map.of()).job().inferenceDevice()).isEqualTo("cpu");
        assertThat(EmbeddingConfig.fromFlags(Map.of(), Map.of("MATCHSTREAM_INFERENCE_DEVICE", "cpu")).inferenceDevice())
                .isEqualTo(Device.cpu());
    }

    @Test
    void modelsLoadOnTheConfiguredDevice() {
        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of("inference-device", "cpu"));
        try (FaceDetector detector = FaceDetector.open(config)) {
            assertThat(detector.device()).isEqualTo(Device.cpu());
        }
        // auto: DJL's default, the CPU here
        try (FaceDetector detector = FaceDetector.open(EmbeddingConfig.defaults())) {
            assertThat(detector.device()).isEqualTo(InferenceDevice.engine().defaultDevice());
        }
    }

    @Test
    void aGpuThatDjlCannotSeeOrANonsenseDeviceIsRefusedWithTheReason() {
        int gpus = InferenceDevice.engine().getGpuCount();
        assertThatThrownBy(() -> InferenceDevice.resolve("gpu:" + gpus))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DJL sees " + gpus + " GPU(s)")
                .hasMessageContaining("libtorch");
        assertThatThrownBy(() -> InferenceDevice.resolve("gpu:x")).hasMessageContaining("gpu:N needs a number");
        assertThatThrownBy(() -> InferenceDevice.resolve("tpu")).hasMessageContaining("auto, cpu, gpu or gpu:N");
    }

    @Test
    void tf32OnAGpuIsFlaggedUnlessTurnedOff() {
        assertThat(InferenceDevice.precisionWarning(Device.cpu(), Map.of())).isNull();
        assertThat(InferenceDevice.precisionWarning(Device.gpu(0), Map.of())).contains("NVIDIA_TF32_OVERRIDE=0");
        assertThat(InferenceDevice.precisionWarning(Device.gpu(0), Map.of("NVIDIA_TF32_OVERRIDE", "1"))).isNotNull();
        assertThat(InferenceDevice.precisionWarning(Device.gpu(0), Map.of("NVIDIA_TF32_OVERRIDE", "0"))).isNull();
    }
}
