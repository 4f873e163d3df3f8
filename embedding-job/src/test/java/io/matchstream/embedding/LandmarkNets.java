package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * How much the choice of landmark net moves the alignment: for every face {@link TrainHead#realFaces}
 * finds (face-api's demo photos and scikit-image's astronaut), the eye centres and the eye line of
 * FaceLandmark68Net against FaceLandmark68TinyNet, and the cosine between the face descriptors of the two
 * aligned crops (what the job's output actually depends on). A program, not a test: run it with the test
 * classpath.
 */
public final class LandmarkNets {

    public static void main(String[] args) {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        FaceAligner aligner = new FaceAligner(config.job().faceMargin());
        try (FaceDetector detector = FaceDetector.open(config.faceDetector(), 416, config.faceDetectorFit(), config.faceMinScore());
                FaceLandmarks full = FaceLandmarks.open(EmbeddingConfig.DEFAULT_FACE_LANDMARKS);
                FaceLandmarks tiny = FaceLandmarks.open(EmbeddingConfig.TINY_FACE_LANDMARKS);
                DlibFaceEncoder encoder = DlibFaceEncoder.open(config)) {
            List<TrainHead.Face> faces = TrainHead.realFaces(config, detector);
            double eyeSum = 0;
            double eyeMax = 0;
            double relativeSum = 0;
            double angleSum = 0;
            double angleMax = 0;
            List<BufferedImage> fullCrops = new ArrayList<>();
            List<BufferedImage> tinyCrops = new ArrayList<>();
            for (TrainHead.Face face : faces) {
                Landmarks a = full.detect(face.photo(), face.box());
                Landmarks b = tiny.detect(face.photo(), face.box());
                for (Landmarks.Point[] eye : new Landmarks.Point[][] {{a.leftEyeCentre(), b.leftEyeCentre()},
                        {a.rightEyeCentre(), b.rightEyeCentre()}}) {
                    double d = Math.hypot(eye[0].x() - eye[1].x(), eye[0].y() - eye[1].y());
                    eyeSum += d;
                    eyeMax = Math.max(eyeMax, d);
                    relativeSum += d / face.box().width();
                }
                double angle = Math.abs(a.eyeLineDegrees() - b.eyeLineDegrees());
                angleSum += angle;
                angleMax = Math.max(angleMax, angle);
                fullCrops.add(aligner.align(face.photo(), face.box(), a));
                tinyCrops.add(aligner.align(face.photo(), face.box(), b));
            }
            float[][] fullVectors = encoder.encode(fullCrops);
            float[][] tinyVectors = encoder.encode(tinyCrops);
            double cosineSum = 0;
            double cosineMin = 1;
            for (int i = 0; i < faces.size(); i++) {
                double c = Cosine.of(fullVectors[i], tinyVectors[i]);
                cosineSum += c;
                cosineMin = Math.min(cosineMin, c);
            }
            int n = faces.size();
            System.out.printf("%d faces; eye centres, tiny vs full net: mean %.2f px (%.2f%% of the face box width), largest"
                    + " %.2f px; eye line: mean %.2f, largest %.2f degrees%n", n, eyeSum / (2 * n), 100 * relativeSum / (2 * n),
                    eyeMax, angleSum / n, angleMax);
            System.out.printf("descriptor of the crop aligned by tiny vs by full landmarks: mean cosine %.5f, lowest %.5f%n",
                    cosineSum / n, cosineMin);
        }
    }

}
