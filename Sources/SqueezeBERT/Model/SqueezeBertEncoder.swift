import Foundation
import SqueezeBERTMatmul

/// The SqueezeBERT encoder: embeddings, N grouped-convolution transformer layers, pooler and an
/// optional sequence-classification head, mirroring `SqueezeBertModel` /
/// `SqueezeBertForSequenceClassification` in transformers' `modeling_squeezebert.py`.
///
/// It is deliberately not a general graph runtime: one architecture, read straight from a
/// checkpoint, with every numeric step delegated to `Kernels`. BERT-family checkpoints load into the
/// same type with every group count 1.
///
/// A forked model (`EncoderConfig.sentimentBranch`) runs the shared layers once, then both tops:
/// the ordinary layers give the last hidden state (the sentence embedding), the branch's layers,
/// pooler and classifier give `pooled` and the logits.
public final class SqueezeBertEncoder: Sendable {
    public let config: EncoderConfig
    /// How the projection weights are stored.
    public let precision: Precision
    /// The vector instructions its matrix products run on.
    public let instructionSet: InstructionSet
    /// Worker threads a forward pass uses unless the call says otherwise.
    public let threads: Int
    let embeddings: Embeddings
    let layers: [EncoderLayer]
    /// The sentiment branch's layers (`sentiment_branch.encoder.layers.*`), fed layer F - 1's
    /// output; empty for a plain model.
    let branch: [EncoderLayer]
    /// `pooler.dense`: absent in some sentence-embedding checkpoints. A forked model's is the
    /// branch's (`sentiment_branch.pooler.dense`); the trunk's, if stored, is not loaded.
    let pooler: PointwiseConvolution?
    /// `classifier`: present only in sequence-classification checkpoints (a forked model's is the branch's).
    let classifier: PointwiseConvolution?
    /// Warm worker threads, used by one forward pass at a time (`poolLock`).
    let pool: ComputePool
    let poolLock = NSLock()
    /// Activation buffers, sized at load and reused; concurrent calls each take their own.
    let workspaces: WorkspacePool
    deinit { pool.shutdown() }

    /// Loads every tensor the configuration calls for, by the checkpoint's own key names.
    ///
    /// - Parameters:
    ///   - precision: fp32 runs every projection in Float32; int8 runs them on int8 weights with one
    ///     scale per output channel (quantised at load, or taken as stored when the checkpoint is int8).
    ///     nil: as the checkpoint stores its projections (int8 for an int8 checkpoint, else fp32).
    ///   - threads: default worker threads of a forward pass; nil means the active cores.
    ///   - instructionSet: the matrix products' kernels; nil: the fastest this CPU has. Must be
    ///     available (`InstructionSet.isAvailable`).
    ///   - maxTokens: the longest sequence expected; sizes the reused workspace (longer inputs still work).
    public init(
        config: EncoderConfig, weights: some WeightSource, precision: Precision? = .fp32, threads: Int? = nil,
        instructionSet: InstructionSet? = nil, maxTokens: Int = 128
    ) throws {
        self.config = config
        let instructionSet = instructionSet ?? .fastest
        self.instructionSet = instructionSet
        self.threads = max(1, threads ?? ComputePool.activeCores)
        let layout = try CheckpointLayout(architecture: config.architecture, weights: weights)
        let precision = precision ?? (config.layerCount > 0 && weights.isQuantized(layout.layer(0).query.weight) ? .int8 : .fp32)
        self.precision = precision
        embeddings = try Embeddings(config: config, layout: layout, weights: weights)
        layers = try (0..<config.layerCount).map {
            try EncoderLayer(index: $0, config: config, layout: layout, weights: weights, precision: precision,
                             instructionSet: instructionSet)
        }
        // The branch's layers are the trunk's code under other names, with their own groups.
        let top: CheckpointLayout
        if let fork = config.sentimentBranch {
            var branchConfig = config
            branchConfig.groups = fork.groups
            top = layout.sentimentBranch
            branch = try (0..<config.branchLayerCount).map {
                try EncoderLayer(index: $0, config: branchConfig, layout: top, weights: weights, precision: precision,
                                 instructionSet: instructionSet)
            }
            // A forked model exists for its logits: the branch's head is required.
            for name in [top.pooler.weight, top.classifier.weight] where !weights.contains(name) {
                throw ModelLoadError(.missingTensor, file: weights.path, "missing tensor \"\(name)\" (the sentiment branch's head)")
            }
        } else {
            top = layout
            branch = []
        }
        pool = ComputePool(threads: self.threads)
        workspaces = WorkspacePool(config: config, quantizedRowBytes: (layers + branch).map(\.quantizedRowBytes).max() ?? 0,
                                   maxTokens: max(1, min(maxTokens, config.maxPositions)))
        let C = config.hiddenSize
        pooler = weights.contains(top.pooler.weight)
            ? try PointwiseConvolution(top.pooler, inputs: C, outputs: C, groups: 1,
                                       layout: CheckpointLayout.dense, weights: weights, instructionSet: instructionSet)
            : nil
        if weights.contains(top.classifier.weight) {
            guard pooler != nil else {
                throw ModelLoadError(.missingTensor, file: weights.path,
                                     "missing tensor \"\(top.pooler.weight)\" (the classifier reads the pooled output)")
            }
            guard !config.labels.isEmpty else {
                throw ModelLoadError(.invalidConfig, file: weights.path,
                                     "has a classifier but its config.json has no \"id2label\"")
            }
            classifier = try PointwiseConvolution(top.classifier, inputs: C, outputs: config.labels.count,
                                                  groups: 1, layout: CheckpointLayout.dense, weights: weights,
                                                  instructionSet: instructionSet)
        } else {
            classifier = nil
        }
    }

    /// Whether the checkpoint has a sequence-classification head (then `logits` are computed).
    public var hasClassifier: Bool { classifier != nil }

    /// Whether the model is forked: its logits come from the sentiment branch.
    public var hasSentimentBranch: Bool { !branch.isEmpty }

    /// Runs the encoder on a right-padded batch, as `SqueezeBertModel.forward` (plus the
    /// classifier of `SqueezeBertForSequenceClassification`): embeddings, each layer in turn, pooler.
    /// A forked model copies the running state before layer F, finishes the ordinary layers (the
    /// last hidden state), then runs the branch's layers (the last on the first tokens only), pooler
    /// and classifier on the copy.
    ///
    /// - Parameters:
    ///   - ids: (B, T) token ids, row-major; positions at or past `lengths[b]` are padding.
    ///   - tokenTypes: (B, T) segment ids, or nil for all zeros.
    ///   - lengths: real tokens per sequence, each in 1...T.
    ///   - keepHiddenStates: also return the embeddings output and every layer's output (the
    ///     ordinary layers' of a forked model: the branch's are not kept).
    public func forward(
        ids: [Int32], tokenTypes: [Int32]? = nil, lengths: [Int], sequenceLength T: Int,
        keepHiddenStates: Bool = false, threads: Int? = nil
    ) -> EncoderOutput {
        forward(ids: ids, tokenTypes: tokenTypes, lengths: lengths, sequenceLength: T,
                keepHiddenStates: keepHiddenStates, threads: threads, branchFirstTokensOnly: true)
    }

    /// `forward`, where `branchFirstTokensOnly: false` runs the branch's last layer over every token
    /// (`EncoderLayer.forward`) instead of the first tokens the pooler reads: the same logits, slower.
    func forward(
        ids: [Int32], tokenTypes: [Int32]?, lengths: [Int], sequenceLength T: Int,
        keepHiddenStates: Bool, threads: Int?, branchFirstTokensOnly: Bool
    ) -> EncoderOutput {
        let B = lengths.count, C = config.hiddenSize, M = B * T
        precondition(ids.count == M, "ids must be (B, T)")
        precondition(T <= config.maxPositions, "sequence longer than max_position_embeddings")
        precondition(lengths.allSatisfy { $0 >= 1 && $0 <= T }, "lengths must be in 1...T")
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < config.vocabSize }, "token id outside the vocabulary")
        if let tokenTypes {
            precondition(tokenTypes.count == M && tokenTypes.allSatisfy { $0 >= 0 && Int($0) < config.typeVocabSize })
        }
        let batch = BatchShape(sequences: B, tokens: T, heads: config.headCount, lengths: lengths)
        let work = workspaces.take(batch: B, tokens: T)
        defer { workspaces.give(work) }
        let regions = takeRegions(threads: threads)
        defer { if regions.pool != nil { poolLock.unlock() } }

        // x (M, C): the running hidden state, from the embeddings through every layer.
        let x = work.x
        embed(ids: ids, tokenTypes: tokenTypes, into: work, batch: batch)
        regions.norm(embeddings.norm, x, rows: M)
        var hiddenStates: [[Float]] = []
        func keep() { if keepHiddenStates { hiddenStates.append(Array(UnsafeBufferPointer(start: x, count: M * C))) } }
        keep()
        let fork = config.sentimentBranch?.fromLayer
        for (index, layer) in layers.enumerated() {
            // branch (M, C) = layer F - 1's output, the branch's input
            if index == fork { work.branch.update(from: x, count: M * C) }
            layer.forward(x, work, batch, regions)
            keep()
        }
        // top (M, C): what the pooler reads, the branch's output in a forked model. The pooler reads
        // only each sequence's first token, so the branch's last layer computes just those rows,
        // packed into top's first B rows.
        var top = x, packed = false
        if let last = branch.last {
            top = work.branch
            for layer in branch.dropLast() { layer.forward(top, work, batch, regions) }
            if branchFirstTokensOnly {
                last.forwardFirstTokens(top, work, batch, regions)
                packed = true
            } else {
                last.forward(top, work, batch, regions)
            }
        }

        var pooled: [Float]? = nil
        var logits: [Float]? = nil
        if let pooler {
            // first (B, C): each sequence's first token ([CLS]); pooled (B, C) = tanh(dense(first))
            var first = top
            if !packed {
                first = work.q
                for b in 0..<B { (first + b * C).update(from: top + b * T * C, count: C) }
            }
            let pooledRows = work.k
            pooler(pooledRows, first, rows: B)
            Kernels.tanhInPlace(pooledRows, count: B * C)
            pooled = Array(UnsafeBufferPointer(start: pooledRows, count: B * C))
            if let classifier {
                // logits (B, L) = classifier(pooled)
                classifier(work.v, pooledRows, rows: B)
                logits = Array(UnsafeBufferPointer(start: work.v, count: B * classifier.outputs))
            }
        }
        return EncoderOutput(
            batchSize: B, sequenceLength: T, hiddenSize: C, lengths: lengths,
            lastHiddenState: Array(UnsafeBufferPointer(start: x, count: M * C)), hiddenStates: hiddenStates,
            pooled: pooled, logits: logits, labels: classifier == nil ? [] : config.labels)
    }

    /// work.x (M, C) = word + position + token-type embeddings, before their LayerNorm.
    private func embed(ids: [Int32], tokenTypes: [Int32]?, into work: Workspace, batch: BatchShape) {
        let M = batch.rows
        if let tokenTypes {
            work.types.update(from: tokenTypes, count: M)
        } else {
            work.types.update(repeating: 0, count: M)
        }
        ids.withUnsafeBufferPointer { ids in
            Kernels.embeddings(
                out: work.x, ids: ids.baseAddress!, types: work.types,
                word: embeddings.word.rows, position: embeddings.position.rows, tokenType: embeddings.tokenType.rows,
                batch: batch.sequences, tokens: batch.tokens, channels: config.hiddenSize)
        }
    }

    /// The pass's parallel regions: the pool serves one forward pass at a time, so a concurrent
    /// caller runs alone. When the result holds the pool, `poolLock` is locked until the caller
    /// unlocks it.
    private func takeRegions(threads: Int?) -> ParallelRegions {
        let requested = min(threads ?? self.threads, pool.threads)
        let holdsPool = requested > 1 && poolLock.try()
        return ParallelRegions(pool: holdsPool ? pool : nil, threads: requested)
    }
}

extension CheckpointLayout {
    /// Pooler and classifier are Linear layers (out, in) in both families.
    static let dense = CheckpointLayout(denseHeads: ())

    private init(denseHeads: Void) {
        architecture = .bert
        prefix = ""
        headPrefix = ""
    }
}

/// The activation buffers of one forward pass, kept between calls and grown when a larger batch
/// comes (never shrunk).
final class Workspace {
    /// x (M, C) the running hidden state; y (M, C) the post-attention state; q, k, v, context (M, C)
    /// attention's; inner (M, I) the intermediate activation; scores: attention scratch, one
    /// `Kernels.attentionScratch` block per (sequence, head); branch (M, C) the sentiment branch's
    /// running state, allocated only for a forked model.
    private(set) var x, y, q, k, v, context, inner, scores, branch: UnsafeMutablePointer<Float>
    /// (M): token-type ids.
    private(set) var types: UnsafeMutablePointer<Int32>
    /// (M, quantizedRowBytes): a product's input rows quantised for the integer kernels, with
    /// (quantizedGroups, M) scales and zero points; used by one product (or Q/K/V together) at a time.
    private(set) var quantized: UnsafeMutablePointer<UInt8>
    private(set) var rowScales: UnsafeMutablePointer<Float>
    private(set) var rowZeros: UnsafeMutablePointer<Int32>
    private(set) var rows = 0, scratch = 0
    let channels, intermediate, heads, quantizedRowBytes: Int
    /// The most groups of any product: the scales and zero points per row.
    let quantizedGroups: Int
    /// Whether `branch` is sized with the others (a forked model).
    let forked: Bool

    init(channels C: Int, intermediate I: Int, heads NH: Int, quantizedRowBytes: Int, quantizedGroups: Int,
         forked: Bool) {
        (channels, intermediate, heads, self.quantizedRowBytes) = (C, I, NH, quantizedRowBytes)
        self.quantizedGroups = quantizedGroups
        self.forked = forked
        branch = .allocate(capacity: 1)
        x = .allocate(capacity: 1); y = .allocate(capacity: 1); q = .allocate(capacity: 1)
        k = .allocate(capacity: 1); v = .allocate(capacity: 1); context = .allocate(capacity: 1)
        inner = .allocate(capacity: 1); scores = .allocate(capacity: 1); types = .allocate(capacity: 1)
        quantized = .allocate(capacity: 1); rowScales = .allocate(capacity: 1); rowZeros = .allocate(capacity: 1)
    }

    /// The quantised-rows buffer laid out for `matrix`.
    func quantizedActivations(for matrix: PackedMatrix) -> QuantizedActivations {
        QuantizedActivations(bytes: quantized, stride: quantizedRowBytes, scales: rowScales, zeros: rowZeros,
                             groupStride: rows, for: matrix)
    }

    /// Makes room for a (B, T) batch; allocates only when it is larger than any before.
    func reserve(batch B: Int, tokens T: Int) {
        let M = B * T, S = B * heads * Kernels.attentionScratch(tokens: T, headSize: channels / heads)
        if M > rows {
            let C = channels
            func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
                let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
                pointer.initialize(repeating: 0, count: count)
                return pointer
            }
            for pointer in [x, y, q, k, v, context, inner, rowScales, branch] { pointer.deallocate() }
            types.deallocate(); quantized.deallocate(); rowZeros.deallocate()
            branch = forked ? buffer(M * C) : .allocate(capacity: 1)
            x = buffer(M * C); y = buffer(M * C); q = buffer(M * C); k = buffer(M * C); v = buffer(M * C)
            context = buffer(M * C); inner = buffer(M * intermediate)
            types = .allocate(capacity: M)
            types.initialize(repeating: 0, count: M)
            quantized = .allocate(capacity: max(1, M * quantizedRowBytes))
            quantized.initialize(repeating: 0, count: max(1, M * quantizedRowBytes))
            rowScales = buffer(M * quantizedGroups)
            rowZeros = .allocate(capacity: M * quantizedGroups)
            rowZeros.initialize(repeating: 0, count: M * quantizedGroups)
            rows = M
        }
        if S > scratch {
            scores.deallocate()
            scores = .allocate(capacity: S)
            scores.initialize(repeating: 0, count: S)
            scratch = S
        }
    }

    deinit {
        for pointer in [x, y, q, k, v, context, inner, scores, rowScales, branch] { pointer.deallocate() }
        types.deallocate(); quantized.deallocate(); rowZeros.deallocate()
    }
}

/// Reusable workspaces: one is made at load for a single `maxTokens` sequence, so a chat turn
/// allocates no activation memory; a concurrent caller gets its own (made once, then kept).
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Workspace] = []
    private let config: EncoderConfig
    private let quantizedRowBytes: Int

    init(config: EncoderConfig, quantizedRowBytes: Int, maxTokens: Int) {
        self.config = config
        self.quantizedRowBytes = quantizedRowBytes
        let first = make()
        first.reserve(batch: 1, tokens: maxTokens)
        free.append(first)
    }

    private func make() -> Workspace {
        // A branch cut differently from the trunk may quantise rows into more groups.
        let groups = max(config.groups.largest, config.sentimentBranch?.groups.largest ?? 0)
        return Workspace(channels: config.hiddenSize, intermediate: config.intermediateSize, heads: config.headCount,
                         quantizedRowBytes: quantizedRowBytes, quantizedGroups: groups,
                         forked: config.sentimentBranch != nil)
    }

    /// A workspace large enough for a (B, T) batch, for the caller's exclusive use until `give`.
    func take(batch B: Int, tokens T: Int) -> Workspace {
        lock.lock()
        let workspace = free.popLast()
        lock.unlock()
        let result = workspace ?? make()
        result.reserve(batch: B, tokens: T)
        return result
    }

    func give(_ workspace: Workspace) {
        lock.lock()
        free.append(workspace)
        lock.unlock()
    }
}
