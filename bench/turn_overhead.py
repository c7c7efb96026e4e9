"""A turn's cost beyond the encoder pass, with the conversation's memory on.

Feeds one conversation (follow-ups, a slot, out-of-scope topics, help and thanks) 40 times to
`squeezechat ask --json` in one process, leaves the first pass out as warm-up, and prints the
median and p95 of classification (intents and sentiment), memory and reply together, and of the
encoder pass.

    swift build -c release --product squeezechat
    python3 bench/turn_overhead.py [.build/release/squeezechat]
"""
import json
import subprocess
import sys

CONVERSATION = [
    "hello there", "tell me a joke", "another one", "why?", "call me Sam", "what is my name?",
    "how do I make pancakes", "my card was declined, this is so frustrating", "thanks", "help",
    "what can you do", "are you a robot", "i feel a bit down today", "bye",
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/squeezechat"
    text = "\n".join(CONVERSATION * 40) + "\n"
    run = subprocess.run([binary, "ask", "--json"], input=text, capture_output=True, text=True, check=True)
    turns = [json.loads(line) for line in run.stdout.splitlines()][len(CONVERSATION):]
    beyond = [t["timings_ms"]["classify"] + t["timings_ms"]["memory"] + t["timings_ms"]["retrieve"] for t in turns]
    encode = [t["timings_ms"]["encode"] for t in turns]
    print(f"{len(turns)} turns; beyond the encoder: p50 {percentile(beyond, 50):.3f} ms, p95 {percentile(beyond, 95):.3f} ms; "
          f"encoder: p50 {percentile(encode, 50):.3f} ms, p95 {percentile(encode, 95):.3f} ms")


if __name__ == "__main__":
    main()
