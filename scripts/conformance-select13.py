#!/usr/bin/env python3
"""Print the v0.26.1 runner filter for issue 13: the groups array, struct, complex_types, pointers,
intptrcast, addrspace, intcast, plus every test whose program (PROG, RUN, or a runtime/scripts/*.bt
file that RUN names) declares a C type or uses the preprocessor.

Usage: cd WORKDIR_OF_setup-v026.sh && python3 PATH/conformance-select13.py [--names]
  prints one ':'-joined filter for run-v026.py (anchored, escaped names); --names prints one name a line.
Reads the test files at run time with run-v026.py's own parser; copies nothing.
"""
import importlib.util, os, re, sys

GROUPS = ('array', 'struct', 'complex_types', 'pointers', 'intptrcast', 'addrspace', 'intcast')
# a C type declaration or a preprocessor line
C_RE = re.compile(r'\bstruct\s+\w+\s*\{|\bunion\b|\benum\s+\w*\s*\{|\btypedef\b|#\s*(include|define|if|ifdef|ifndef)\b')


def load_runner():
    spec = importlib.util.spec_from_file_location('rt26', os.path.join(os.getcwd(), 'run-v026.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def selected():
    rt = load_runner()
    names = []
    for root, dirs, files in os.walk('./runtime'):
        dirs[:] = [d for d in dirs if d not in ('engine', 'scripts', 'outputs')]
        for f in sorted(files):
            if f.startswith('.'):
                continue
            for t in rt.parse_file(os.path.join(root, f), f):
                text = t['prog'] + '\n' + t['run']
                for script in re.findall(r'runtime/scripts/\S+?\.bt', t['run']):
                    if os.path.exists(script):
                        text += '\n' + open(script).read()
                if f in GROUPS or C_RE.search(text):
                    names.append(f'{f}.{t["name"]}')
    return sorted(set(names))


if __name__ == '__main__':
    names = selected()
    if '--names' in sys.argv:
        print('\n'.join(names))
    else:
        print(':'.join('^' + re.escape(n) + '$' for n in names))
