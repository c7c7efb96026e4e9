// The SqueezeBERT engine: a pure-Swift runtime for SqueezeBERT (and BERT-family checkpoints,
// which are SqueezeBERT with every group count 1). See README.md for the layout.
