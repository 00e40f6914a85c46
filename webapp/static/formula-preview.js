// A live preview of a formula answer: it reads the text with the grammar of the server's parser
// (grader/formulas/parser.py) and typesets how it was read (fractions, powers, implicit products), so that a
// student sees at once that "1/2*p" means (1/2)·p. It only pretty-prints: nothing is evaluated, and the server's
// parse_formula decides what is accepted. Text it cannot read shows the field's "unreadable" note instead.
(function () {
  "use strict";

  var FUNCTIONS = { ln: "ln", log: "ln", lg: "log10", log10: "log10", exp: "exp", sqrt: "sqrt", abs: "abs" };
  var CONSTANTS = { pi: "pi", "\u03c0": "pi", e: "e" };
  var GREEK = {
    "\u03b1": ["alpha"], "\u03b2": ["beta"], "\u03b3": ["gamma"], "\u03b4": ["delta"], "\u03b5": ["epsilon", "eps"],
    "\u03b6": ["zeta"], "\u03b7": ["eta"], "\u03b8": ["theta"], "\u03b9": ["iota"], "\u03ba": ["kappa"],
    "\u03bb": ["lam", "lambda"], "\u03bc": ["mu"], "\u00b5": ["mu"], "\u03bd": ["nu"], "\u03be": ["xi"],
    "\u03c1": ["rho"], "\u03c3": ["sigma"], "\u03c4": ["tau"], "\u03c5": ["upsilon"], "\u03c6": ["phi"],
    "\u03d5": ["phi"], "\u03c7": ["chi"], "\u03c8": ["psi"], "\u03c9": ["omega"]
  };
  var LATEX_GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"];
  var OPERATORS = { "+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00b7": "*", "\u00d7": "*", "\u2219": "*",
    "/": "/", "^": "^", "(": "(", ")": ")" };
  var SUPERSCRIPTS = { "\u00b2": "2", "\u00b3": "3" };
  var NUMBER = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
  var ASCII_NAME = /^[A-Za-z][A-Za-z0-9_]*/;
  var GREEK_NAME = /^[\u03b1-\u03c9\u00b5\u03d5][0-9\u2080-\u2089]*/;
  var MAX_LENGTH = 500, MAX_DEPTH = 50;

  function Unreadable() {}

  function tokenize(text) {
    var tokens = [], i = 0, depth = 0;
    while (i < text.length) {
      var ch = text[i], rest = text.slice(i), match;
      if (/\s/.test(ch)) { i += 1; continue; }
      if (rest.indexOf("**") === 0) { tokens.push({ kind: "^" }); i += 2; continue; }
      if (OPERATORS[ch]) {
        var kind = OPERATORS[ch];
        if (kind === "(") depth += 1;
        if (kind === ")" && --depth < 0) throw new Unreadable();
        if (depth > MAX_DEPTH) throw new Unreadable();
        tokens.push({ kind: kind });
        i += 1;
        continue;
      }
      if (SUPERSCRIPTS[ch]) { tokens.push({ kind: "sup", text: SUPERSCRIPTS[ch] }); i += 1; continue; }
      if ((match = NUMBER.exec(rest))) {
        tokens.push({ kind: "number", text: match[0] });
      } else if ((match = ASCII_NAME.exec(rest)) || (match = GREEK_NAME.exec(rest))) {
        tokens.push({ kind: "name", text: match[0].replace(/[\u2080-\u2089]/g, function (d) {
          return String.fromCharCode(d.charCodeAt(0) - 0x2080 + 48);
        }) });
      } else {
        throw new Unreadable();
      }
      i += match[0].length;
    }
    if (depth !== 0) throw new Unreadable();
    tokens.push({ kind: "end" });
    return tokens;
  }

  // The tree: {type: "sum", terms: [[sign, node]...]}, {type: "product", factors: [[op, node]...]} with op "*",
  // "/" or "" (juxtaposition), {type: "neg", operand}, {type: "power", base, exponent}, {type: "call", name, arg},
  // {type: "number", text}, {type: "variable", name}, {type: "constant", name}.
  function Parser(tokens, variables) {
    this.tokens = tokens;
    this.variables = variables;
    this.index = 0;
    this.depth = -1;
  }
  Parser.prototype.peek = function () { return this.tokens[this.index]; };
  Parser.prototype.advance = function () { return this.tokens[this.index++]; };
  Parser.prototype.enter = function () { if (++this.depth > MAX_DEPTH) throw new Unreadable(); };
  Parser.prototype.parse = function () {
    var tree = this.expression();
    if (this.peek().kind !== "end") throw new Unreadable();
    return tree;
  };
  Parser.prototype.expression = function () {
    this.enter();
    var terms = [["+", this.term()]];
    while (this.peek().kind === "+" || this.peek().kind === "-") {
      var sign = this.advance().kind;
      terms.push([sign, this.term()]);
    }
    this.depth -= 1;
    return terms.length === 1 ? terms[0][1] : { type: "sum", terms: terms };
  };
  Parser.prototype.term = function () {
    var factors = [["*", this.signed()]], afterSlash = false;
    for (;;) {
      var kind = this.peek().kind;
      if (kind === "*" || kind === "/") {
        this.advance();
        afterSlash = kind === "/";
        factors.push([kind, this.signed()]);
      } else if (kind === "number" || kind === "name" || kind === "(") {
        if (kind === "number" || afterSlash) throw new Unreadable();  // "2 3" and "1/2p" are refused as ambiguous
        factors.push(["", this.power()]);
      } else {
        break;
      }
    }
    return factors.length === 1 ? factors[0][1] : { type: "product", factors: factors };
  };
  Parser.prototype.signed = function () {
    var kind = this.peek().kind;
    if (kind !== "+" && kind !== "-") return this.power();
    this.advance();
    this.enter();
    var operand = this.signed();
    this.depth -= 1;
    return kind === "-" ? { type: "neg", operand: operand } : operand;
  };
  Parser.prototype.power = function () {
    var base = this.atom();
    while (this.peek().kind === "sup") {
      base = { type: "power", base: base, exponent: { type: "number", text: this.advance().text } };
    }
    if (this.peek().kind !== "^") return base;
    this.advance();
    var grouped = this.peek().kind === "(";
    var start = this.index;
    this.enter();
    var exponent = this.signed();
    this.depth -= 1;
    // "e^2p" is refused as ambiguous unless the exponent was one parenthesised group.
    if (this.peek().kind === "name" && !(grouped && this.closesAt(start, this.index - 1))) throw new Unreadable();
    return { type: "power", base: base, exponent: exponent };
  };
  Parser.prototype.closesAt = function (open, close) {
    if (this.tokens[close].kind !== ")") return false;
    var depth = 0;
    for (var k = open; k <= close; k++) {
      if (this.tokens[k].kind === "(") depth += 1;
      if (this.tokens[k].kind === ")" && --depth === 0) return k === close;
    }
    return false;
  };
  Parser.prototype.atom = function () {
    var token = this.advance();
    if (token.kind === "number") return { type: "number", text: token.text };
    if (token.kind === "(") {
      var inner = this.expression();
      if (this.advance().kind !== ")") throw new Unreadable();
      return inner;
    }
    if (token.kind === "name") {
      var resolved = this.resolve(token.text);
      if (typeof resolved === "string") {
        if (this.advance().kind !== "(") throw new Unreadable();
        var argument = this.expression();
        if (this.advance().kind !== ")") throw new Unreadable();
        return { type: "call", name: resolved, arg: argument };
      }
      return resolved;
    }
    throw new Unreadable();
  };
  Parser.prototype.resolve = function (name) {
    if (this.variables.indexOf(name) >= 0) return { type: "variable", name: name };
    var folded = name.toLowerCase();
    if (Object.prototype.hasOwnProperty.call(FUNCTIONS, folded)) return FUNCTIONS[folded];
    if (Object.prototype.hasOwnProperty.call(CONSTANTS, folded)) return { type: "constant", name: CONSTANTS[folded] };
    var spelled = GREEK[name[0]] || [];
    for (var k = 0; k < spelled.length; k++) {
      if (this.variables.indexOf(spelled[k] + name.slice(1)) >= 0) {
        return { type: "variable", name: spelled[k] + name.slice(1) };
      }
    }
    throw new Unreadable();
  };

  // ----- typesetting ---------------------------------------------------------------------------------------------

  function variableTex(name) {
    var letters = name.replace(/[0-9]+$/, ""), digits = name.slice(letters.length), base;
    if (letters === "lam") letters = "lambda";
    if (LATEX_GREEK.indexOf(letters) >= 0) base = "\\" + letters;
    else if (letters.length === 1) base = letters;
    else base = "\\mathit{" + letters.replace(/_/g, "\\_") + "}";
    return digits ? base + "_{" + digits + "}" : base;
  }

  function numberTex(text) {
    var m = /^([^eE]+)[eE]([+-]?)0*([0-9]+)$/.exec(text);
    if (!m) return text;
    return m[1] + "\\cdot 10^{" + (m[2] === "-" ? "-" : "") + m[3] + "}";
  }

  // Brackets grow only around fractions; plain ones keep "ln(p)" as tight as it is written.
  function paren(tex) { return /\\frac/.test(tex) ? "\\left(" + tex + "\\right)" : "(" + tex + ")"; }

  function tex(node) {
    switch (node.type) {
      case "number": return numberTex(node.text);
      case "variable": return variableTex(node.name);
      case "constant": return node.name === "pi" ? "\\pi" : "e";
      case "call":
        if (node.name === "sqrt") return "\\sqrt{" + tex(node.arg) + "}";
        if (node.name === "abs") return "\\left|" + tex(node.arg) + "\\right|";
        if (node.name === "log10") return "\\log_{10}" + paren(tex(node.arg));
        return "\\" + node.name + paren(tex(node.arg));
      case "neg":
        return "-" + (node.operand.type === "sum" || node.operand.type === "neg" ? paren(tex(node.operand))
                                                                                   : tex(node.operand));
      case "power": {
        // The base is bracketed unless it is a plain number, a variable, a constant, a root or an absolute value.
        var bare = node.base.type === "variable" || node.base.type === "constant" ||
          node.base.type === "number" && !/[eE]/.test(node.base.text) ||
          node.base.type === "call" && (node.base.name === "sqrt" || node.base.name === "abs");
        return "{" + (bare ? tex(node.base) : paren(tex(node.base))) + "}^{" + tex(node.exponent) + "}";
      }
      case "sum":
        return node.terms.map(function (term, k) {
          var body = tex(term[1]);
          if (term[1].type === "neg" && k > 0) body = paren(body);
          return (k === 0 ? (term[0] === "-" ? "-" : "") : " " + term[0] + " ") + body;
        }).join("");
      case "product": {
        var out = factorTex(node.factors[0][1], true);
        for (var k = 1; k < node.factors.length; k++) {
          var op = node.factors[k][0], factor = node.factors[k][1];
          if (op === "/") out = "\\frac{" + out + "}{" + tex(factor) + "}";
          else out += (op === "*" ? " \\cdot " : "\\,") + factorTex(factor, false);
        }
        return out;
      }
    }
    throw new Unreadable();
  }

  function factorTex(node, first) {
    var body = tex(node);
    if (node.type === "sum" || (node.type === "neg" && !first)) return paren(body);
    return body;
  }

  // ----- wiring ----------------------------------------------------------------------------------------------------

  function show(input, preview) {
    var output = preview.querySelector("output");
    var text = input.value;
    if (!text.trim()) { preview.hidden = true; return; }
    preview.hidden = false;
    var latex = null;
    if (text.length <= MAX_LENGTH) {
      try {
        var variables = (input.getAttribute("data-formula-variables") || "").split(" ").filter(Boolean);
        latex = tex(new Parser(tokenize(text), variables).parse());
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
      }
    }
    preview.classList.toggle("formula-preview-unreadable", latex === null);
    if (latex === null) {
      output.textContent = preview.getAttribute("data-unreadable");
    } else if (window.katex) {
      window.katex.render(latex, output, { throwOnError: false, displayMode: false });
    } else {
      output.textContent = text;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".formula-preview[data-for]").forEach(function (preview) {
      var input = document.getElementById(preview.getAttribute("data-for"));
      if (!input) return;
      input.addEventListener("input", function () { show(input, preview); });
      show(input, preview);  // a formula sent back with a message is previewed at once
    });
  });
})();
