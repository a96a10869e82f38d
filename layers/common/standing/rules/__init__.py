"""Programs as data and a pure rules engine.

`load_programs()` reads and validates `standing/programs/*.yaml`; `evaluate_partner()` turns a program, a
partner's facts and its daily aggregates into the evaluation record of DESIGN section 5. Nothing here touches
AWS or the environment. The YAML schema and the four built-in programs are explained in docs/programs.md.
"""

from standing.rules.engine import PartnerFacts, at_risk_metrics, evaluate_partner, membership_view, opt_in_check
from standing.rules.loader import PROGRAMS_DIR, load_program, load_programs
from standing.rules.periods import Period, Schedule, Window
from standing.rules.schema import Metric, Program, ProgramError, ProgramVersion

__all__ = [
    "PROGRAMS_DIR",
    "Metric",
    "PartnerFacts",
    "Period",
    "Program",
    "ProgramError",
    "ProgramVersion",
    "Schedule",
    "Window",
    "at_risk_metrics",
    "evaluate_partner",
    "load_program",
    "load_programs",
    "membership_view",
    "opt_in_check",
]
