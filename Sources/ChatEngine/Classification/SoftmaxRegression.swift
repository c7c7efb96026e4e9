import Foundation

/// Multinomial logistic regression on sentence embeddings, trained by full-batch Adam.
///
/// Shapes: N examples, D embedding dimensions, L classes. Weights are (D, L) row-major so both
/// the forward product and the gradient stream contiguous rows. The objective is sklearn's
/// `LogisticRegression(C:)`: mean cross-entropy + ||W||² / (2 C N), intercept unregularised.
public struct SoftmaxRegression: Sendable, Equatable {
    public let dimensions: Int
    public let classes: Int
    /// (D, L)
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
        var adamW = Adam(count: D * L), adamB = Adam(count: L)
        var probabilities = [Float](repeating: 0, count: N * L)
        var gradW = [Float](repeating: 0, count: D * L), gradB = [Float](repeating: 0, count: L)
        let lambda = 1 / (C * Float(N))
        for step in 1...iterations {
            model.logits(features, rows: N, into: &probabilities)
            softmaxRows(&probabilities, columns: L)
            // dLoss/dlogits = (p - onehot) / N
            let scale = 1 / Float(N)
            for i in 0..<N {
                probabilities[i * L + labels[i]] -= 1
                for l in 0..<L { probabilities[i * L + l] *= scale }
            }
            for j in 0..<(D * L) { gradW[j] = lambda * model.weights[j] }
            for l in 0..<L { gradB[l] = 0 }
            features.withUnsafeBufferPointer { x in
                probabilities.withUnsafeBufferPointer { g in
                    gradW.withUnsafeMutableBufferPointer { gw in
                        for i in 0..<N {
                            let gRow = g.baseAddress! + i * L
                            for l in 0..<L { gradB[l] += gRow[l] }
                            for d in 0..<D {
                                let a = x[i * D + d]
                                let out = gw.baseAddress! + d * L
                                for l in 0..<L { out[l] += a * gRow[l] }
                            }
                        }
                    }
                }
            }
            adamW.step(&model.weights, gradient: gradW, learningRate: learningRate, t: step)
            adamB.step(&model.bias, gradient: gradB, learningRate: learningRate, t: step)
        }
        return model
    }

    /// Logits (rows, L) of `features` (rows, D).
    public func logits(_ features: [Float], rows: Int, into out: inout [Float]) {
        let D = dimensions, L = classes
        if out.count != rows * L { out = [Float](repeating: 0, count: rows * L) }
        features.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<rows {
                        let row = o.baseAddress! + i * L
                        for l in 0..<L { row[l] = bias[l] }
                        for d in 0..<D {
                            let a = x[i * D + d]
                            let wRow = w.baseAddress! + d * L
                            for l in 0..<L { row[l] += a * wRow[l] }
                        }
                    }
                }
            }
        }
    }

    /// Class probabilities of one embedding.
    public func probabilities(_ embedding: [Float]) -> [Float] {
        var out: [Float] = []
        logits(embedding, rows: 1, into: &out)
        softmaxRows(&out, columns: classes)
        return out
    }
}

/// Numerically stable softmax over each row of a (rows, columns) buffer.
func softmaxRows(_ x: inout [Float], columns L: Int) {
    let rows = x.count / L
    for i in 0..<rows {
        var maximum = -Float.infinity
        for l in 0..<L { maximum = max(maximum, x[i * L + l]) }
        var sum: Float = 0
        for l in 0..<L { let e = (x[i * L + l] - maximum).exponential; x[i * L + l] = e; sum += e }
        for l in 0..<L { x[i * L + l] /= sum }
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
