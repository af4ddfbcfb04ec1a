"""Page-parser speed per layout: CPU ms per page, in one process, no Prefect/dbt/GX.

Pages: the round-trip pages (real API v2 studies printed in each layout by
tests/roundtrip/print_<layout>.py) and the synthetic benchmark pages of build_corpus.py,
text and HTML. Each page is read once (read_document), then detect + parse is timed
`--repeat` times; the best run is reported (least disturbed by other load).

    python benchmarks/parse_speed.py                      # this checkout's parsers
    python benchmarks/parse_speed.py --src /tmp/old/src   # another checkout's parsers, same pages

Compare the two outputs to see whether a parser change made parsing slower.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=REPOSITORY / "src", help="the trialmart package to time")
    parser.add_argument("--synthetic", type=int, default=2000, help="synthetic pages (all layouts)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(args.src), str(REPOSITORY / "tests" / "roundtrip"), str(REPOSITORY / "benchmarks")]
    import build_corpus
    import roundtrip_corpus
    from roundtrip_run import LAYOUTS, printer

    from trialmart.documents import read_document
    from trialmart.sources import FAMILIES, detect

    with tempfile.TemporaryDirectory(prefix="trialmart-parse-speed-") as tmp:
        folder = Path(tmp)
        pages: dict[str, list[Path]] = {}
        for layout in LAYOUTS:
            module = printer(layout)
            for study in roundtrip_corpus.all_studies():
                printed = module.print_page(study)
                path = folder / f"{layout}_{study.nct_id}{printed.suffix}"
                path.write_text(printed.text, encoding="utf-8")
                pages.setdefault(f"round trip: {layout}", []).append(path)
        for index in range(args.synthetic):
            name, data = build_corpus.render_document(index)
            path = folder / f"synthetic_{index}_{Path(name).name}"
            path.write_bytes(data)
            pages.setdefault("synthetic, all layouts", []).append(path)
        documents = {
            group: [read_document(folder, path, 50_000_000) for path in paths] for group, paths in pages.items()
        }

        print(f"parsers: {args.src}  machine: {platform.machine()}, Python {platform.python_version()}")
        print(f"| pages | count | CPU ms/page (best of {args.repeat}) |")
        print("|---|---:|---:|")
        for group, docs in documents.items():
            best = float("inf")
            for _ in range(args.repeat):
                start = time.process_time()
                for document in docs:
                    family = detect(document)
                    if family:
                        list(FAMILIES[family].parse(document))
                best = min(best, time.process_time() - start)
            print(f"| {group} | {len(docs):,} | {1000 * best / len(docs):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
