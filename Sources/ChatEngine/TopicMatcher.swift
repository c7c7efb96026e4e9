import SqueezeBERT

/// Picks the out-of-scope topic of a turn already judged out of scope, so its refusal can name
/// what the bot cannot do: a similarity-weighted vote of the `neighbours` most similar
/// out-of-scope examples, where general examples vote for no topic. The winning topic answers
/// only when one of its examples is at least `minimumSimilarity` from the turn; otherwise the
/// general fallback does, since a turn unlike every example has no topic to name.
struct TopicMatcher: Sendable {
    /// (O, D) L2-normalised out-of-scope examples and, per row, its topic (nil: general).
    let examples: [Float]
    let topics: [Int?]
    let dimensions: Int
    var neighbours = 5
    var temperature: Float = 0.05
    var minimumSimilarity: Float = TopicMatcher.defaultMinimumSimilarity

    /// Chosen on the built-in set, each out-of-scope example held out in turn: at 0.35, 70% of
    /// the topic examples name their own topic and 71% of the intent examples (standing in for
    /// turns the classifier wrongly rejects) name none; at 0.3, 75% and 46%; at 0.4, 62% and 86%.
    static let defaultMinimumSimilarity: Float = 0.35

    init(examples: [[Float]], topics: [Int?], dimensions: Int) {
        precondition(examples.count == topics.count)
        self.examples = examples.flatMap { $0 }
        self.topics = topics
        self.dimensions = dimensions
    }

    /// The topic index for `embedding` (L2-normalised), or nil for the general fallback.
    func topic(of embedding: [Float]) -> Int? {
        guard topics.contains(where: { $0 != nil }) else { return nil }
        let similarities = IntentClassifier.similarities(of: embedding, to: examples, dimensions: dimensions)
        // The k most similar, most similar first (insertion: k is small and so is the list).
        var order: [Int] = []
        order.reserveCapacity(neighbours + 1)
        for (index, similarity) in similarities.enumerated()
        where order.count < neighbours || similarity > similarities[order[order.count - 1]] {
            order.insert(index, at: order.firstIndex { similarity > similarities[$0] } ?? order.count)
            if order.count > neighbours { order.removeLast() }
        }
        guard let nearest = order.first.map({ similarities[$0] }) else { return nil }
        var votes: [Int: Float] = [:], general: Float = 0, closest: [Int: Float] = [:]
        for index in order {
            let weight = ((similarities[index] - nearest) / temperature).exponential
            if let topic = topics[index] {
                votes[topic, default: 0] += weight
                closest[topic] = max(closest[topic] ?? -1, similarities[index])
            } else {
                general += weight
            }
        }
        guard let (winner, share) = votes.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
              share > general, closest[winner]! >= minimumSimilarity else { return nil }
        return winner
    }
}
