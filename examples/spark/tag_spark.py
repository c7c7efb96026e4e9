"""Tags a JSON Lines file with squeezechat on Apache Spark.

RDD.pipe streams every partition's lines through one `squeezechat tag --input jsonl` process on
an executor, one encoder thread each, so N executor cores run N taggers. The binary and the model
folder travel with the job as one archive (SparkContext.addArchive): the executors need neither
installed, only what the binary links (the Swift runtime, unless it was built with
--static-swift-stdlib; ncursesw and readline). Partitions keep the input's order, and the driver
writes them back in that order, so the output is byte for byte what one `squeezechat tag --input
jsonl` process writes for the same input.

    python examples/spark/tag_spark.py --squeezechat .build/release/squeezechat \
        --model Sources/DefaultModel/squeezechat-sentiment --master 'local[2]' in.jsonl out.jsonl

The tagged partitions are saved as part files in OUTPUT.parts/ and joined, in order, into OUTPUT.

A record that cannot be read makes its tagger exit 1, which fails the job (--keep-going lets it
through: that record is then missing from the output, and the tagger's message is in the
executor's log).
"""

import argparse
import glob
import os
import shutil
import tarfile
import tempfile
import time

from pyspark import SparkConf, SparkContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSON Lines, one record a line")
    parser.add_argument("output", help="where to write the tagged records (one file, in input order)")
    parser.add_argument("--squeezechat", default=shutil.which("squeezechat"), help="the squeezechat binary to ship")
    parser.add_argument("--model", required=True, help="the model folder to ship (config.json, model.safetensors, vocab.txt)")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--master", default="local[2]", help="Spark master (default: local[2], two executor cores)")
    parser.add_argument("--partitions", type=int, default=None, help="input partitions (default: Spark's)")
    parser.add_argument("--keep-going", action="store_true", help="do not fail the job on records that cannot be read")
    args = parser.parse_args()
    if not args.squeezechat:
        parser.error("no squeezechat on PATH; pass --squeezechat")

    started = time.monotonic()
    conf = SparkConf().setMaster(args.master).setAppName("squeezechat-tag")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("WARN")
    with tempfile.TemporaryDirectory() as staging:
        archive = os.path.join(staging, "squeezechat.tgz")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(args.squeezechat, arcname="squeezechat")
            for name in ("config.json", "model.safetensors", "vocab.txt"):
                tar.add(os.path.join(args.model, name), arcname=os.path.join("model", name))
        sc.addArchive(archive)
        # The archive is unpacked as "squeezechat.tgz/" in the job's file folder: on a cluster the
        # executor's working directory, in local mode the driver's temporary folder. RDD.pipe runs
        # its command with only the environment it is given, so the command finds the folder itself.
        from pyspark import SparkFiles

        here = os.path.join(SparkFiles.getRootDirectory(), "squeezechat.tgz")
        command = (
            "sh -c 'for d in \"$SHIPPED\" ./squeezechat.tgz; do "
            "[ -x \"$d/squeezechat\" ] && exec \"$d/squeezechat\" tag --input jsonl --text-field \"$1\" "
            "--model \"$d/model\" --threads 1; done; echo squeezechat: not shipped >&2; exit 127' "
            f"tag {args.text_field}"
        )
        lines = sc.textFile(args.input, minPartitions=args.partitions) if args.partitions else sc.textFile(args.input)
        tagged = lines.pipe(command, env={"SHIPPED": here}, checkCode=not args.keep_going)
        # Every partition is tagged at once and written as its own part file; the parts, in order
        # by name, are the input's order. (On a cluster the folder must be on a shared filesystem.)
        parts = os.path.abspath(args.output) + ".parts"
        shutil.rmtree(parts, ignore_errors=True)
        tagged.saveAsTextFile("file://" + parts)
        count = 0
        with open(args.output, "wb") as out:
            for part in sorted(glob.glob(os.path.join(parts, "part-*"))):
                with open(part, "rb") as data:
                    for line in data:
                        out.write(line)
                        count += 1
        shutil.rmtree(parts)
        partitions = lines.getNumPartitions()
    sc.stop()
    elapsed = time.monotonic() - started
    print(f"{count} records, {partitions} partitions on {args.master}: {elapsed:.1f} s "
          f"({count / elapsed:.0f} records/s, Spark start-up included)")


if __name__ == "__main__":
    main()
