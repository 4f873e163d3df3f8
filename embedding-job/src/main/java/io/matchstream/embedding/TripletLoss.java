package io.matchstream.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Batch-hard triplet loss on L2-normalised embeddings: for each anchor, its farthest positive and its
 * nearest negative in the batch, {@code max(0, |a-p|^2 - |a-n|^2 + margin)}, averaged over anchors.
 * Labels are identity numbers; every identity in a batch needs at least two samples.
 */
final class TripletLoss extends Loss {

    private final float margin;

    TripletLoss(float margin) {
        super("TripletLoss");
        this.margin = margin;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray x = predictions.singletonOrThrow();
        NDArray y = labels.singletonOrThrow().reshape(-1, 1);
        // unit vectors: |a-b|^2 = 2 - 2 a.b
        NDArray distances = x.matMul(x.transpose()).mul(-2f).add(2f);
        NDArray same = y.eq(y.transpose()).toType(DataType.FLOAT32, false);
        NDArray hardestPositive = distances.mul(same).max(new int[] {1});
        // squared distances of unit vectors are at most 4, so +8 takes positives out of the minimum
        NDArray hardestNegative = distances.add(same.mul(8f)).min(new int[] {1});
        return hardestPositive.sub(hardestNegative).add(margin).maximum(0f).mean();
    }
}
