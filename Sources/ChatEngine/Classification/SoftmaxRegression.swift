import Foundation
import SqueezeBERT

/// Multinomial logistic regression on sentence embeddings, trained by full-batch Adam.
///
/// Shapes: N examples, D embedding dimensions, L classes. Weights are (L, D), PyTorch's Linear
/// layout, so both products of a training step run on the engine's packed matrix kernel:
/// logits (N, L) = X (N, D) · Wᵀ, and the gradient (L, D) = Gᵀ (L, N) · X. The objective is
/// sklearn's `LogisticRegression(C:)`: mean cross-entropy + ||W||² / (2 C N), intercept unregularised.
public struct SoftmaxRegression: Sendable, Equatable {
    public let dimensions: Int
    public let classes: Int
    /// (L, D)
    public var weights: [Float]
    /// (L)
    public var bias: [Float]

    public init(dimensions: Int, classes: Int, weights: [Float], bias: [Float]) {
        precondition(weights.count == dimensions * classes && bias.count == classes)
        self.dimensions = dimensions
        self.classes = classes
        self.weights = weights
        self.bias = bias
    }

    /// Fits to `features` (N, D) row-major with labels in 0..<classes.
    public static func train(
        features: [Float], labels: [Int], dimensions D: Int, classes L: Int,
        inverseRegularization C: Float = 10, iterations: Int = 150, learningRate: Float = 0.05
    ) -> SoftmaxRegression {
        let N = labels.count
        precondition(features.count == N * D && N > 0)
        var model = SoftmaxRegression(dimensions: D, classes: L, weights: .init(repeating: 0, count: D * L),
                                      bias: .init(repeating: 0, count: L))
        // Xᵀ (D, N) is the gradient product's weight for every step: packed once.
        var transposed = [Float](repeating: 0, count: N * D)
        for i in 0..<N { for d in 0..<D { transposed[d * N + i] = features[i * D + d] } }
        let gradientMatrix = PackedMatrix(weight: transposed, bias: .init(repeating: 0, count: D),
                                          inputs: N, outputs: D, groups: 1, precision: .fp32)
        var adamW = Adam(count: D * L), adamB = Adam(count: L)
        var probabilities = [Float](repeating: 0, count: N * L)
        var errorsTransposed = [Float](repeating: 0, count: L * N)
        var gradW = [Float](repeating: 0, count: D * L), gradB = [Float](repeating: 0, count: L)
        let lambda = 1 / (C * Float(N)), scale = 1 / Float(N)
        for step in 1...iterations {
            model.logits(features, rows: N, into: &probabilities)
            probabilities.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, rows: N, columns: L) }
            // dLoss/dlogits = (p - onehot) / N, stored transposed (L, N) for the gradient product.
            for l in 0..<L { gradB[l] = 0 }
            for i in 0..<N {
                probabilities[i * L + labels[i]] -= 1
                for l in 0..<L {
                    let g = probabilities[i * L + l] * scale
                    errorsTransposed[l * N + i] = g
                    gradB[l] += g
                }
            }
            errorsTransposed.withUnsafeBufferPointer { g in
                gradW.withUnsafeMutableBufferPointer { out in
                    Kernels.matmul(out: out.baseAddress!, inp: g.baseAddress!, matrix: gradientMatrix, rows: L)
                }
            }
            for j in 0..<(D * L) { gradW[j] += lambda * model.weights[j] }
            adamW.step(&model.weights, gradient: gradW, learningRate: learningRate, t: step)
            adamB.step(&model.bias, gradient: gradB, learningRate: learningRate, t: step)
        }
        return model
    }

    /// Logits (rows, L) of `features` (rows, D).
    public func logits(_ features: [Float], rows: Int, into out: inout [Float]) {
        if out.count != rows * classes { out = [Float](repeating: 0, count: rows * classes) }
        let matrix = PackedMatrix(weight: weights, bias: bias, inputs: dimensions, outputs: classes, groups: 1,
                                  precision: .fp32)
        features.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                Kernels.matmul(out: o.baseAddress!, inp: x.baseAddress!, matrix: matrix, rows: rows)
            }
        }
    }

    /// Class probabilities of one embedding (a plain dot product per class: packing would cost more).
    public func probabilities(_ embedding: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: classes)
        weights.withUnsafeBufferPointer { w in
            embedding.withUnsafeBufferPointer { e in
                out.withUnsafeMutableBufferPointer { o in
                    Kernels.matrixVector(w.baseAddress!, rows: classes, columns: dimensions, e.baseAddress!, into: o.baseAddress!)
                }
            }
        }
        for l in 0..<classes { out[l] += bias[l] }
        out.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, rows: $0.count / classes, columns: classes) }
        return out
    }
}

/// Adam's moment estimates for one parameter vector.
private struct Adam {
    var m: [Float], v: [Float]
    init(count: Int) { m = .init(repeating: 0, count: count); v = .init(repeating: 0, count: count) }

    mutating func step(_ parameters: inout [Float], gradient: [Float], learningRate: Float, t: Int) {
        let beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
        let correction1 = 1 - pow(beta1, Float(t)), correction2 = 1 - pow(beta2, Float(t))
        for j in parameters.indices {
            m[j] = beta1 * m[j] + (1 - beta1) * gradient[j]
            v[j] = beta2 * v[j] + (1 - beta2) * gradient[j] * gradient[j]
            parameters[j] -= learningRate * (m[j] / correction1) / ((v[j] / correction2).squareRoot() + eps)
        }
    }
}

extension Float {
    var exponential: Float { Float(expf(self)) }
}
