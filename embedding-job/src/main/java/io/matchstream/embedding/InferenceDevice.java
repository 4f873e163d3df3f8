package io.matchstream.embedding;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Where the models run ({@code --inference-device}): {@code auto} (DJL's default device: the first GPU when
 * the loaded libtorch is a CUDA build and finds one, else the CPU), {@code cpu}, {@code gpu} or
 * {@code gpu:N}. Asking for a GPU that DJL cannot see fails at load time, naming the libtorch it found.
 */
public final class InferenceDevice {
    private InferenceDevice() {}

    /** The device for {@code setting}, or null for DJL's default ({@code auto}). */
    static Device resolve(String setting) {
        String s = setting.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("auto")) {
            return null;
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.startsWith("gpu:")) {
            int id;
            try {
                id = s.equals("gpu") ? 0 : Integer.parseInt(s.substring("gpu:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--inference-device gpu:N needs a number N, got " + setting);
            }
            Engine engine = engine();
            if (id < 0 || id >= engine.getGpuCount()) {
                throw new IllegalArgumentException("--inference-device " + setting + ": DJL sees " + engine.getGpuCount()
                        + " GPU(s) with libtorch " + engine.getVersion() + " (" + engine.defaultDevice()
                        + " is its default device); a GPU needs a CUDA build of libtorch (README, 'On a GPU')");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("--inference-device must be auto, cpu, gpu or gpu:N, got " + setting);
    }

    /**
     * Why vectors from {@code device} may differ from the CPU's, or null when they do not: on a GPU, cuDNN
     * and cuBLAS compute in TF32 unless {@code NVIDIA_TF32_OVERRIDE=0} (on an H200 the face vectors then
     * drifted to cosine 0.988 of the CPU's; with it, 1.0000000), so the model version would not mean one
     * vector space.
     */
    static String precisionWarning(ai.djl.Device device, java.util.Map<String, String> env) {
        if (device.isGpu() && !"0".equals(env.get("NVIDIA_TF32_OVERRIDE"))) {
            return "inference on " + device + " with TF32 allowed: vectors drift from the CPU's (cosine down to 0.988"
                    + " measured) under the same model version; set NVIDIA_TF32_OVERRIDE=0 (./matchstream does)";
        }
        return null;
    }

    /** DJL's PyTorch engine, loaded with the project's offline cache settings (libtorch loads on first use). */
    public static Engine engine() {
        DjlCache.configure();
        return Engine.getEngine("PyTorch");
    }
}
