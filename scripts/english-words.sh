#!/usr/bin/env bash
# Writes src/vocabulary/english.txt: everyday English words, from SCOWL (Spell Checker Oriented
# Word Lists, Kevin Atkinson, http://wordlist.aspell.net/) as Debian packages it (`scowl`).
# Levels 10 to 50 (the common words, by SCOWL's own ranking) of the English, American,
# British and Canadian word lists, their capitalised words and proper names (days, months,
# places: "tuesday", "spain"), lowercased; letters only. The answer engine reads this list to tell
# an everyday word a visitor wrote from a domain term the articles would have to cover.
#
#   scripts/english-words.sh          # needs apt-get download (Debian's package registry)
#
# SCOWL's licence (copied into the list's header): permission to use, copy, modify, distribute
# and sell the word lists is granted without fee, provided the copyright notice appears.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download scowl >/dev/null 2>&1 && dpkg-deb -x scowl_*.deb x)
dict="$work/x/usr/share/dict/scowl"
version=$(dpkg-deb -f "$work"/scowl_*.deb Version)
out=src/vocabulary/english.txt
{
  echo "# Everyday English words: SCOWL levels 10-50 (english, american, british, canadian:"
  echo "# words, upper, proper-names), from Debian's scowl package $version, lowercased,"
  echo "# letters only; made by"
  echo "# scripts/english-words.sh."
  echo "# Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and"
  echo "# sell these word lists, the associated scripts, the output created from the scripts, and"
  echo "# its documentation for any purpose is hereby granted without fee, provided that the above"
  echo "# copyright notice appears in all copies and that both that copyright notice and this"
  echo "# permission notice appear in supporting documentation. Kevin Atkinson makes no"
  echo "# representations about the suitability of this array for any purpose. It is provided"
  echo "# \"as is\" without express or implied warranty."
  for list in english american british canadian; do
    for kind in words upper proper-names; do
      for level in 10 20 35 40 50; do
        f="$dict/$list-$kind.$level"
        if [ -f "$f" ]; then iconv -f latin1 -t utf-8 "$f"; fi
      done
    done
  done | grep -E '^[A-Za-z]+$' | tr 'A-Z' 'a-z' | sort -u
} > "$out"
echo "wrote $out: $(grep -vc '^#' "$out") words" >&2
