#!/usr/bin/env python3
"""label_conflicts.py EXPECTED.tsv RESULT.jsonl - how far any reading of the reply
text can agree with a corpus's labels.

The labels of a bounce corpus (expected.tsv beside ../shared/corpus/sisimai) are
the reasons another tool gave. Where the same reply text carries different
labels in different files, no classifier that decides from the text (with the
SMTP command and the DSN status) can agree with all of them. This script groups
the records of RESULT (smtpcodes bounces --json) by their diagnostic text, with
the parts that differ from message to message masked (addresses, IP addresses,
domain names, numbers in brackets, white space), and by the command and the
status class; it prints every group whose records carry more than one label,
and the highest agreement on reason that any such classifier could reach.
Records are matched to EXPECTED as score-bounces.py matches them: by file name
and position in the file.
"""
import collections
import json
import re
import sys


def mask(text):
    t = text.lower()
    t = re.sub(r'<?[^\s<>()\'"]+@[^\s<>()\'"]+>?', 'ADDR', t)
    t = re.sub(r'\b\d{1,3}(\.\d{1,3}){3}\b', 'IP', t)
    t = re.sub(r'\b([a-z0-9-]+\.)+[a-z]{2,}\b', 'DOMAIN', t)
    t = re.sub(r'\[-?\d+\]', '[N]', t)
    return re.sub(r'\s+', ' ', t).strip()


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: label_conflicts.py EXPECTED.tsv RESULT.jsonl')
    expected = {}
    with open(sys.argv[1], encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            col = line.rstrip('\n').split('\t')
            expected[(col[0].split('/')[-1], int(col[1]))] = col[4]
    seen = collections.Counter()
    groups = collections.defaultdict(list)
    with open(sys.argv[2], encoding='utf-8', errors='replace') as f:
        for line in f:
            r = json.loads(line)
            name = r['origin'].split('/')[-1]
            seen[name] += 1
            label = expected.get((name, seen[name]))
            if label is None or not r.get('diagnosticcode'):
                continue
            key = (mask(r['diagnosticcode']), r.get('smtpcommand') or '', (r.get('deliverystatus') or ' ')[0])
            groups[key].append((name, label))
    total = len(expected)
    forced = 0
    for key, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        labels = collections.Counter(label for _, label in members)
        if len(labels) < 2:
            continue
        forced += len(members) - max(labels.values())
        print('%s | command %s | class %s' % (key[0][:150], key[1] or '-', key[2]))
        for label, count in labels.most_common():
            files = [n for n, l in members if l == label]
            print('    %-15s %2d  %s' % (label, count, ' '.join(files[:6]) + (' ...' if len(files) > 6 else '')))
    print('labels: %d records; %d of them disagree with another record of the same text, command and '
          'class; reason agreement can reach at most %.1f%%' % (total, forced, 100.0 * (total - forced) / total))


if __name__ == '__main__':
    main()
