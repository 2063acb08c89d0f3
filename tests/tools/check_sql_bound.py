#!/usr/bin/env python3
"""Fails when the sources build SQL from anything but literals and bound parameters.

  check_sql_bound.py SOURCE_DIR...

A string literal holding an SQL keyword starts an SQL expression. Split at its top-level
`+`, each piece must be string literals, a ternary choosing between literals, or a piece
this file allows by name (ALLOWED: integers, `?N` parameter names, fixed operators). A
variable that such an expression initialises is SQL too: what is `+=`-ed or assigned to it
is checked the same way. Every call that runs SQL (exec, execAndGet, Statement, prepared)
must take a literal, or an argument ALLOWED names. Prints each offence as FILE:LINE.
"""
import pathlib
import re
import sys

SQL_WORD = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|VACUUM|ATTACH|WITH)\b")
LITERAL = r'(?:R"\((?:.|\n)*?\)"|"(?:\\.|[^"\\\n])*")'
LITERALS_ONLY = re.compile(r"^(?:\s*" + LITERAL + r")+\s*$")
LITERAL_TERNARY = re.compile(
    r"^\(?\s*[^?\"]+\?(?:\s*" + LITERAL + r")+\s*:(?:\s*" + LITERAL + r")+\s*\)?$")
RUNS_SQL = re.compile(r"\b(exec|execAndGet|prepared|scalar|Statement>?(?:\s+\w+)?)\s*[({]")

# Non-literal pieces allowed in SQL, by file: each is a whole number, a `?N` parameter
# name, a fixed operator chosen from literals, or SQL text that this check verifies itself.
ALLOWED = {
    "database.cpp": {
        "std::to_string(kApplicationId)",  # an integer constant
        "std::to_string(m.version)",  # an integer from the compiled-in migrations
        "std::string(m.sql)",  # a migration: schema/*.sql, compiled in
    },
    "reader_pool.cpp": {
        "std::to_string(tuning_.cache_kib)",  # an int
    },
    "schema_shape.cpp": {
        "std::string(m.sql)",  # a migration, into an empty in-memory database
    },
    "matching_images.cpp": {
        "parameter(key)", "parameter(number)", "parameter(numbers)", "parameter(strings)",
        "op",  # comparison_symbol(): "<", "<=", ">" or ">="
        "compares(first, op, first + 1)",  # SQL text built here, checked here
        "equals_one_of(first, first + 1, first + 2)",
        "sql",  # the statement those build
    },
    "clickhouse.cpp": {
        # Names checked to be plain identifiers when the URL is parsed (is_identifier).
        "database_", "cluster_", "stored_table()", "qualified(stored_table())",
        "qualified(table_)", "qualified(meta_table())",
        "n",  # a condition's index
        "op",  # comparison_symbol(): "<", "<=", ">" or ">="
        "std::to_string(options.offset)", "std::to_string(options.k)",  # integers
        "with", "where",  # SQL text built from literals, those names and indexes, here
    },
    "tables.cpp": {
        "sql",  # prepared(const char* sql): its callers pass literals, checked here
    },
}


def strip_comments(text):
    """Comments become spaces (newlines kept), string literals stay."""
    out, i = [], 0
    pattern = re.compile(LITERAL + r"|//[^\n]*|/\*(?:.|\n)*?\*/|'(?:\\.|[^'\\])'")
    for m in pattern.finditer(text):
        out.append(text[i:m.start()])
        token = m.group(0)
        out.append(re.sub(r"[^\n]", " ", token) if token.startswith("/") else token)
        i = m.end()
    out.append(text[i:])
    return "".join(out)


def skip_literal(text, i):
    """Going backwards from the closing quote at i: the index before its opening quote."""
    j = i - 1
    while j >= 0 and not (text[j] == '"' and text[j - 1] != "\\"):
        j -= 1
    return j - 1


def split_top_level(text, i, separators, stops=""):
    """From text[i] on, the parts between `separators` that stand outside literals and
    brackets, up to an unmatched closing bracket, one of `stops` at that level, or the end.
    Returns (parts, where it ended)."""
    parts, begin, depth = [], i, 0
    literal = re.compile(LITERAL)
    while i < len(text):
        m = literal.match(text, i)
        if m:
            i = m.end()
            continue
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and c in stops:
            break
        elif depth == 0 and c in separators:
            parts.append(text[begin:i])
            begin = i + 1
        i += 1
    parts.append(text[begin:i])
    return [p.strip() for p in parts if p.strip()], i


def expression_bounds(text, start, end):
    """The expression around text[start:end]: out to an unmatched bracket, `;`, a `,` or
    `=` (not `==`, `<=`, `>=`, `!=`) at its own depth, or `return`."""
    depth, i = 0, start - 1
    while i >= 0:
        c = text[i]
        if c == '"':
            i = skip_literal(text, i)
            continue
        if c in ")]":
            depth += 1
        elif c in "([{":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (c in ";,}" or (c == "=" and text[i - 1] not in "=<>!" and
                                             text[i + 1] != "=")):
            break
        elif depth == 0 and text[i - 5:i + 1] == "return":
            break
        i -= 1
    return i + 1, split_top_level(text, end, "", ";,")[1]


def pieces(expression):
    """expression split at `+` signs outside brackets and literals."""
    return split_top_level(expression, 0, "+")[0]


def check(path, offences):
    text = strip_comments(path.read_text())
    allowed = ALLOWED.get(path.name, set())
    line_of = lambda at: text.count("\n", 0, at) + 1

    def judge(piece, at):
        piece = re.sub(r"\s+", " ", piece).strip()
        piece = re.sub(r"^std::string\((" + LITERAL + r")\)$", r"\1", piece)
        if LITERALS_ONLY.match(piece) or LITERAL_TERNARY.match(piece) or piece in allowed:
            return
        offences.append(f"{path}:{line_of(at)}: SQL built from `{piece}`")

    sql_variables = set()
    for m in re.compile(LITERAL).finditer(text):
        if not SQL_WORD.search(m.group(0)):
            continue
        left, right = expression_bounds(text, m.start(), m.end())
        for piece in pieces(text[left:right]):
            judge(piece, m.start())
        declared = re.search(r"std::string\s+(\w+)\s*=\s*$", text[:left])
        if declared:
            sql_variables.add(declared.group(1))
    for name in sql_variables:
        for m in re.finditer(r"\b" + name + r"\s*\+?=(?!=)", text):
            left, right = expression_bounds(text, m.end(), m.end())
            for piece in pieces(text[m.end():right]):
                judge(piece, m.start())
    for m in RUNS_SQL.finditer(text):
        arguments = split_top_level(text, m.end(), ",")[0]
        if m.group(1).startswith("Statement"):  # (database, sql, ...)
            arguments = arguments[1:]
        if not arguments:
            continue
        sql = arguments[0]
        if re.match(r"\s*const char\s*\*\s*\w+\s*$", sql):
            continue  # the declaration of prepared()
        for piece in pieces(sql):
            judge(piece, m.start())


def main():
    offences, files = [], 0
    for root in sys.argv[1:]:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.suffix in (".cpp", ".hpp"):
                files += 1
                check(path, offences)
    offences = list(dict.fromkeys(offences))  # one report per place
    for o in offences:
        print(o)
    if not files:
        print("no sources found", file=sys.stderr)
        return 2
    if offences:
        print(f"{len(offences)} places build SQL from something other than literals",
              file=sys.stderr)
        return 1
    print(f"{files} files: every SQL statement is literal text with bound parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
