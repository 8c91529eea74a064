"""Snapshot reports: what a report says (content), its pictures, the HTML and PDF
(render), cron slots and their ledger (schedule), e-mail (delivery), the archive that
/reports lists, and the producer that ties them together (producer)."""
