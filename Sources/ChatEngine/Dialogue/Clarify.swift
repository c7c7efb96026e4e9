/// Asking when unsure (Rasa's two-stage fallback): when the two best intents are too close to call,
/// or the best falls just under the out-of-scope threshold, the bot asks "Did you mean: 1) ..., 2)
/// ...?" instead of guessing, and the next turn picks.
public struct ClarifyPolicy: Sendable, Equatable {
    /// An answered turn whose two best intents are closer than this (in mixed probability) is asked about.
    public var gap: Float
    /// A rejected turn whose best intent is within this of the threshold is asked about.
    public var band: Float

    public init(gap: Float, band: Float) {
        self.gap = gap
        self.band = band
    }

    /// Never asks.
    public static let never = ClarifyPolicy(gap: 0, band: 0)

    /// The intents to offer for `prediction` (best first), or nil to answer (or refuse) as usual.
    /// The runner-up is offered when it is as close to the best as the band is wide (always, for a
    /// close call), so a refused turn with one plausible intent gets a yes-or-no question.
    /// Turns the out-of-scope examples out-vote are never asked about.
    func options(_ prediction: IntentClassifier.Prediction, threshold: Float) -> [Int]? {
        guard prediction.probabilities.count >= 2, !prediction.outVoted else { return nil }
        let runnerUp = prediction.runnerUp
        let p1 = prediction.confidence, p2 = runnerUp.confidence
        let ask = prediction.label != nil ? p1 - p2 < gap : p1 >= threshold - band
        guard ask else { return nil }
        return offersRunnerUp(p1, p2) ? [prediction.best, runnerUp.label] : [prediction.best]
    }

    func offersRunnerUp(_ best: Float, _ runnerUp: Float) -> Bool {
        best - runnerUp < max(gap, band)
    }
}

extension ClarifyPolicy {
    /// How often a policy asks, on held-out turns: the wrong answers it turned into questions (an
    /// in-scope turn answered with the wrong intent or refused, an out-of-scope turn answered) and
    /// the right answers it delayed with one (an in-scope turn answered right, an out-of-scope turn refused).
    public struct Rates: Sendable, Equatable {
        public var wrong = 0, wrongAsked = 0
        public var right = 0, rightDelayed = 0
        /// Held-out in-scope turns refused without asking whose right intent the question offers.
        public var refusalsOfferingRight = 0

        public var wrongAskedShare: Float { Float(wrongAsked) / Float(max(wrong, 1)) }
        public var rightDelayedShare: Float { Float(rightDelayed) / Float(max(right, 1)) }
    }

    /// Counts what the policy does to each held-out turn, with `threshold` as the chat's.
    public func rates(_ held: IntentClassifier.HeldOutConfidences, threshold: Float) -> Rates {
        var rates = Rates()
        for (index, turn) in held.inScope.enumerated() {
            let runnerUp = held.inScopeRunnerUp[index]
            // A confidence of 0 marks a turn the out-of-scope examples out-voted: refused, never asked.
            let outVoted = turn.confidence == 0
            let answered = !outVoted && turn.confidence >= threshold
            let ask = !outVoted && (answered ? turn.confidence - runnerUp.confidence < gap : turn.confidence >= threshold - band)
            if answered && turn.correct {
                rates.right += 1
                if ask { rates.rightDelayed += 1 }
            } else {
                rates.wrong += 1
                if ask { rates.wrongAsked += 1 }
                if ask && !answered
                    && (turn.correct || (runnerUp.label == turn.label && offersRunnerUp(turn.confidence, runnerUp.confidence))) {
                    rates.refusalsOfferingRight += 1
                }
            }
        }
        for (index, turn) in held.outOfScope.enumerated() {
            let answered = !turn.outVoted && turn.confidence >= threshold
            let ask = !turn.outVoted
                && (answered ? turn.confidence - held.outOfScopeRunnerUp[index] < gap : turn.confidence >= threshold - band)
            if answered {
                rates.wrong += 1
                if ask { rates.wrongAsked += 1 }
            } else {
                rates.right += 1
                if ask { rates.rightDelayed += 1 }
            }
        }
        return rates
    }

    /// The gap and band chosen on held-out turns: each the smallest value with the most wrong
    /// answers saved net of right answers delayed, so the bot asks only where a question is at
    /// least as likely to save a wrong answer as to delay a right one. The gap acts on answered
    /// turns, where any question saves a wrong answer; the band on refused ones, where a question
    /// saves one only by offering the right intent. So each is chosen on its own.
    public static func calibrate(_ held: IntentClassifier.HeldOutConfidences, threshold: Float) -> ClarifyPolicy {
        // For the band, a question only helps a refused in-scope turn when it offers the right intent.
        func net(_ policy: ClarifyPolicy) -> Int {
            let rates = policy.rates(held, threshold: threshold)
            return (policy.band > 0 ? rates.refusalsOfferingRight : rates.wrongAsked) - rates.rightDelayed
        }
        let steps = (0...100).map { Float($0) * 0.005 }
        var gap: Float = 0, bestGap = 0
        for value in steps {
            let score = net(ClarifyPolicy(gap: value, band: 0))
            if score > bestGap { bestGap = score; gap = value }
        }
        var band: Float = 0, bestBand = 0
        for value in steps where value < threshold {
            let score = net(ClarifyPolicy(gap: 0, band: value))
            if score > bestBand { bestBand = score; band = value }
        }
        return ClarifyPolicy(gap: gap, band: band)
    }
}

/// What a turn after "Did you mean ...?" says, read with a few words rather than the classifier:
/// the replies are short and fixed ("1", "the second", "yes", "no"), and anything else is a new question.
public enum ClarifyAnswer: Sendable, Equatable {
    /// The option at this index (0 is the first; "yes" means the first).
    case option(Int)
    /// None of the options.
    case neither

    static let first: Set<String> = ["1", "1st", "first", "former", "top"]
    static let second: Set<String> = ["2", "2nd", "second", "latter", "two", "last", "other"]
    static let yes: Set<String> = ["yes", "yeah", "yep", "yup", "y", "ya", "yea", "sure", "correct", "right", "exactly",
                                   "ok", "okay", "indeed", "definitely"]
    static let no: Set<String> = ["no", "nope", "nah", "n", "neither", "none", "nothing", "wrong", "nor"]
    static let filler: Set<String> = ["the", "one", "option", "number", "please", "pls", "i", "mean", "meant", "it", "s",
                                      "that", "this", "is", "was", "thanks", "thank", "you", "of", "those", "them", "a",
                                      "an", "did", "do", "not", "either", "choice", "answer", "oh", "um", "hmm"]

    /// The pick `text` makes among `options` choices, or nil when it is something else.
    public static func parse(_ text: String, options: Int) -> ClarifyAnswer? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard !words.isEmpty, words.count <= 6 else { return nil }
        if words == ["one"] { return .option(0) }
        var picks: Set<Int> = [], saidYes = false, saidNo = false
        for word in words {
            if first.contains(word) { picks.insert(0) }
            else if second.contains(word) { picks.insert(1) }
            else if yes.contains(word) { saidYes = true }
            else if no.contains(word) { saidNo = true }
            else if !filler.contains(word) { return nil }
        }
        // "not the first" and "the first or the second" say no one choice.
        if picks.count == 1, let pick = picks.first, !words.contains("not") { return pick < options ? .option(pick) : nil }
        if picks.isEmpty && saidYes != saidNo && !words.contains("not") { return saidYes ? .option(0) : .neither }
        return nil
    }
}

extension IntentClassifier.Prediction {
    /// The second-best class and its confidence on the scale of `confidence` (its probability,
    /// lowered by the same distance factor), so a gap between the two is a gap in probability
    /// scaled as the threshold is (the best itself when there is only one class).
    public var runnerUp: (confidence: Float, label: Int) {
        var second = -1
        for l in probabilities.indices where l != best && (second < 0 || probabilities[l] > probabilities[second]) { second = l }
        let scale = probabilities[best] > 0 ? confidence / probabilities[best] : 0
        return second < 0 ? (confidence, best) : (probabilities[second] * scale, second)
    }
}
