"""Formula answers: reading what a student types into a function of named variables, and checking it.

Policy (stated here so the README and the web app can point to it):
- Numbers follow parse_number's decimal grammar with '.' as the only decimal point ("0.5", ".5", "6e-1");
  a comma is rejected with its own message, since in a formula it could as well separate arguments.
  "2e-1" is the number 0.2; write "2e - 1" or "2*e-1" for 2e − 1.
- Operators: + - * / and power as ^ or **, right-associative; unary minus binds looser than power
  (-x^2 = -(x^2)); "²" and "³" are powers; "·", "×" multiply; the Unicode minus "−" is a minus.
- Functions ln and log (both natural), lg and log10 (decimal, kept distinct), exp, sqrt, abs, always with
  parentheses; constants pi (or π) and e. Function and constant names ignore case ("Ln", "PI"), because
  phone keyboards capitalise; variable names are case-sensitive ("P" is not "p", and the message says so).
- A Greek letter stands for the declared variable of its name: μ → mu, σ → sigma, λ → lam (or lambda),
  β₀ / β0 → beta0.
- Implicit multiplication where it cannot be misread: "9 ln(p)", "2p", "3(1-p)", "p(1-p)", "p^9(1-p)^6",
  "2πσ". Rejected as ambiguous: "1/2p", "e^2x", "2 3", "ln p".
- At most 500 characters and 50 levels of nesting; evaluation is float64, so 9^9^9 is inf, never a hang.
"""

from .equivalence import check_formula
from .formula import Formula, parse_formula

__all__ = ["Formula", "check_formula", "parse_formula"]
