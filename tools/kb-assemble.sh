#!/bin/sh
# Temporary during the first session: concatenates data/kb/parts/*.LANG.kb into data/kb/LANG.kb.
set -e
cd "$(dirname "$0")/.."
for lang in en de; do
  name=English; [ $lang = de ] && name=Deutsch
  { printf '# smtpcodes knowledge base: %s. Format: docs/KB-FORMAT.md\n@lang %s\n@name %s\n\n' "$name" "$lang" "$name"
    for f in data/kb/parts/*.$lang.kb; do
      other=$(echo "$f" | sed "s/\.$lang\.kb$//")
      [ -f "$other.en.kb" ] && [ -f "$other.de.kb" ] || continue
      cat "$f"; echo; done; } > data/kb/$lang.kb
done
