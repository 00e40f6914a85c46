"""A recursive-descent parser from tokens to the expression tree, with the name and ambiguity rules.

Grammar (juxtaposition is multiplication, so "9 ln(p)", "2p", "3(1-p)", "p(1-p)" and "p^9(1-p)^6" read as products):

    expression := term (("+" | "-") term)*
    term       := signed (("*" | "/") signed | power)*      the second form is implicit multiplication
    signed     := ("+" | "-") signed | power                 so -x^2 = -(x^2) and 2^-1 = 2^(-1)
    power      := atom sup* ("^" signed)?                    right-associative: 2^3^2 = 2^(3^2)
    atom       := number | variable | constant | function "(" expression ")" | "(" expression ")"

Rejected as ambiguous rather than guessed: a number right after another operand ("2 3", "(1-p)2"), implicit
multiplication right after a divisor ("1/2p": 1/(2p) or p/2?) and after a bare exponent ("e^2p": e^(2p) or
(e^2)p?), and a function without parentheses ("ln p").
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import AnswerError
from .lexer import MAX_DEPTH, Token
from .tree import Call, Constant, Negate, Node, Number, Power, Product, Sum, Variable

# Spellings as typed, compared case-insensitively: phone keyboards capitalise the first letter ("Ln(p)").
FUNCTION_SPELLINGS = {"ln": "ln", "log": "ln", "lg": "log10", "log10": "log10", "exp": "exp", "sqrt": "sqrt",
                      "abs": "abs"}
CONSTANT_SPELLINGS = {"pi": "pi", "π": "pi", "e": "e"}
# A Greek letter stands for the first of its ASCII names that is a declared variable: μ for mu, λ for lam.
GREEK_NAMES = {
    "α": ("alpha",), "β": ("beta",), "γ": ("gamma",), "δ": ("delta",), "ε": ("epsilon", "eps"), "ζ": ("zeta",),
    "η": ("eta",), "θ": ("theta",), "ι": ("iota",), "κ": ("kappa",), "λ": ("lam", "lambda"), "μ": ("mu",),
    "µ": ("mu",), "ν": ("nu",), "ξ": ("xi",), "ρ": ("rho",), "σ": ("sigma",), "τ": ("tau",), "υ": ("upsilon",),
    "φ": ("phi",), "ϕ": ("phi",), "χ": ("chi",), "ψ": ("psi",), "ω": ("omega",),
}
_OPERAND_STARTS = ("number", "name", "(")


class Parser:
    def __init__(self, tokens: list[Token], partner: dict[int, int], variables: Sequence[str]):
        self.tokens = tokens
        self.partner = partner  # index of ")" -> index of its "("
        self.variables = tuple(variables)
        self.index = 0
        self.depth = -1  # the outermost expression is level 0, so MAX_DEPTH parentheses are allowed, as in the lexer

    def parse(self) -> Node:
        tree = self.expression()
        token = self.peek()
        if token.kind != "end":
            raise AnswerError("missing_operator", token=token.text, position=token.position)
        return tree

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def enter(self) -> None:
        # Parentheses are limited by the lexer already; this also bounds chains of signs and powers.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AnswerError("formula_too_deep", max_depth=MAX_DEPTH)

    def expression(self) -> Node:
        self.enter()
        terms: list[tuple[str, Node]] = [("+", self.term())]
        while self.peek().kind in ("+", "-"):
            sign = self.advance().kind
            terms.append((sign, self.term()))
        self.depth -= 1
        return terms[0][1] if len(terms) == 1 else Sum(tuple(terms))

    def term(self) -> Node:
        factors: list[tuple[str, Node]] = [("*", self.signed())]
        slash: Token | None = None  # the "/" of the latest factor, when it was a divisor
        while True:
            token = self.peek()
            if token.kind in ("*", "/"):
                self.advance()
                slash = token if token.kind == "/" else None
                factors.append((token.kind, self.signed()))
            elif token.kind in _OPERAND_STARTS:
                if token.kind == "number":
                    raise AnswerError("missing_operator", token=token.text, position=token.position)
                if slash is not None:
                    raise AnswerError("ambiguous_division", position=slash.position)
                factors.append(("*", self.power()))
            else:
                break
        return factors[0][1] if len(factors) == 1 else Product(tuple(factors))

    def signed(self) -> Node:
        token = self.peek()
        if token.kind not in ("+", "-"):
            return self.power()
        self.advance()
        self.enter()
        operand = self.signed()
        self.depth -= 1
        return Negate(operand) if token.kind == "-" else operand

    def power(self) -> Node:
        base = self.atom()
        while self.peek().kind == "sup":
            sup = self.advance()
            base = Power(base, Number(sup.value, str(int(sup.value))))
        if self.peek().kind != "^":
            return base
        caret = self.advance()
        start = self.index
        self.enter()
        exponent = self.signed()
        self.depth -= 1
        grouped = self.tokens[start].kind == "(" and self.partner.get(self.index - 1) == start
        if not grouped and self.peek().kind == "name":
            raise AnswerError("ambiguous_exponent", position=caret.position)
        return Power(base, exponent)

    def atom(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Number(token.value, token.text)
        if token.kind == "(":
            inner = self.expression()
            self.close()
            return inner
        if token.kind == "name":
            resolved = self.resolve(token)
            if isinstance(resolved, str):
                if self.peek().kind != "(":
                    raise AnswerError("function_needs_parentheses", name=token.text, position=token.position)
                self.advance()
                argument = self.expression()
                self.close()
                return Call(resolved, argument)
            return resolved
        raise AnswerError("missing_operand", position=token.position)

    def close(self) -> None:
        token = self.advance()
        if token.kind != ")":
            raise AnswerError("missing_operator", token=token.text, position=token.position)

    def resolve(self, token: Token) -> Node | str:
        """A Variable or Constant node, or the canonical name of a function."""
        name = token.text
        if name in self.variables:
            return Variable(name)
        folded = name.casefold()
        if folded in FUNCTION_SPELLINGS:
            return FUNCTION_SPELLINGS[folded]
        if folded in CONSTANT_SPELLINGS:
            return Constant(CONSTANT_SPELLINGS[folded])
        for ascii_name in GREEK_NAMES.get(name[0], ()):
            if ascii_name + name[1:] in self.variables:
                return Variable(ascii_name + name[1:])
        same_letters = [v for v in self.variables if v.casefold() == folded]
        if len(same_letters) == 1:
            raise AnswerError("name_case", name=name, suggestion=same_letters[0], position=token.position)
        prefixes = [s for s in FUNCTION_SPELLINGS if folded.startswith(s)]
        if prefixes:  # "lnp", "ln2", "exp2x": a function written without its parentheses
            raise AnswerError("function_needs_parentheses", name=max(prefixes, key=len), position=token.position)
        allowed = ", ".join((*self.variables, *FUNCTION_SPELLINGS, "pi", "e"))
        raise AnswerError("unknown_name", name=name, allowed=allowed, position=token.position)
