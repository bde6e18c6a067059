"""A syntax check of udev rules files, for systems whose udevadm has no
`verify` (systemd < 254). It follows udev(7): every rule is a comma-separated
list of KEY[{attr}] OP "value" items; match keys take == and !=, assignment
keys =, +=, -=, :=; MODE is octal; OPTIONS values are known names.

    python3 udev_rule_check.py FILE...

prints one line per problem and exits 1 when there is any, else 0.
"""

import re
import sys

MATCH = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS",
         "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "TAG", "TAGS", "ENV", "CONST", "TEST",
         "PROGRAM", "RESULT"}
ASSIGN = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG",
          "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
WITH_ATTR = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "SECLABEL"}  # {attr} required
ATTR_OPTIONAL = {"TEST", "RUN", "IMPORT"}
OPTIONS = re.compile(r"^(link_priority=-?\d+|string_escape=(none|replace)|static_node=[\w/.-]+|"
                     r"watch|nowatch|db_persist|log_level=\w+)$")
ITEM = re.compile(r'\s*([A-Z_]+)(\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


def check_rule(rule):
    """Problems of one rule (a logical line), as strings."""
    problems = []
    pos = 0
    items = []
    while pos < len(rule):
        m = ITEM.match(rule, pos)
        if not m:
            return [f"cannot parse at column {pos + 1}: {rule[pos:pos + 30]!r}"]
        items.append(m.groups())
        pos = m.end()
        if pos < len(rule):
            if rule[pos] != ",":
                return [f"expected ',' at column {pos + 1}: {rule[pos:pos + 30]!r}"]
            pos += 1
            if not rule[pos:].strip():
                return ["trailing ','"]
    for key, attr, op, value in items:
        if key not in MATCH | ASSIGN:
            problems.append(f"unknown key {key}")
            continue
        if op in ("==", "!=") and key not in MATCH:
            problems.append(f"{key} is an assignment key, {op} is a match")
        # PROGRAM="..." is accepted as PROGRAM=="..." (udev runs it either way).
        if op not in ("==", "!=") and key not in ASSIGN and not (key == "PROGRAM" and op == "="):
            problems.append(f"{key} is a match key, {op} assigns")
        if (attr is not None) != (key in WITH_ATTR) and key not in ATTR_OPTIONAL:
            problems.append(f"{key} {'needs' if attr is None else 'takes no'} {{attribute}}")
        if key == "MODE" and op != "==" and not re.fullmatch(r"0?[0-7]{3,4}", value):
            problems.append(f"MODE {value!r} is not an octal mode")
        if key in ("OWNER", "GROUP") and not re.fullmatch(r"[a-z_][a-z0-9_-]*\$?|\d+", value):
            problems.append(f"{key} {value!r} is not a user/group name")
        if key == "OPTIONS":
            for opt in value.split(","):
                if not OPTIONS.match(opt.strip()):
                    problems.append(f"unknown OPTIONS value {opt!r}")
    return problems


def check_file(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    logical, start = "", 0
    for number, line in enumerate(lines, 1):
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1]
            continue
        logical += line
        text, logical = logical.strip(), ""
        if not text or text.startswith("#"):
            continue
        problems += [f"{path}:{start}: {p}" for p in check_rule(text)]
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: udev_rule_check.py FILE...")
    problems = [p for path in sys.argv[1:] for p in check_file(path)]
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
