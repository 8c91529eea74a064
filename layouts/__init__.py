"""Component trees and page registration; no I/O, no callbacks."""
