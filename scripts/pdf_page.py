"""Render one page of a PDF as PNG (the README's sample of a report's first page).

    python scripts/pdf_page.py REPORT.pdf OUT.png [--page 1] [--scale 1.5]
"""

from __future__ import annotations

import argparse

import pypdfium2 as pdfium


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf")
    parser.add_argument("out")
    parser.add_argument("--page", type=int, default=1, help="1-based page number")
    parser.add_argument("--scale", type=float, default=1.5, help="1.0 = 72 dpi")
    args = parser.parse_args()
    document = pdfium.PdfDocument(args.pdf)
    document[args.page - 1].render(scale=args.scale).to_pil().save(args.out)
    print(f"{args.out}: page {args.page} of {len(document)}")


if __name__ == "__main__":
    main()
