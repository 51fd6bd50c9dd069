#!/bin/bash
# Compares the parser's accept/reject verdict with yara's on rule snippets.
# usage: parity_check.sh PARSE_DUMP CASES_FILE   (cases separated by lines "----")
# yara's syntax-class errors must be rejected by us; a clean yara compile must be accepted;
# cases where yara only reports semantic errors are listed as "semantic" (we should accept).
dump=$1; cases=$2; dir=$(mktemp -d); : > $dir/data
syntax_re='syntax error|illegal escape|unterminated|integer overflow|identifier too long|non-ascii|out of space|duplicated modifier|invalid modifier combination|xor |base64 alphabet|multiple alphabets|empty string|include'
awk -v d=$dir 'BEGIN{n=0; f=sprintf("%s/c%04d.yar",d,n)} /^----$/{n++; f=sprintf("%s/c%04d.yar",d,n); next} {print > f}' "$cases"
bad=0; total=0
for f in $dir/c*.yar; do
  total=$((total+1))
  # Hex-string and regex bodies are validated downstream (matcher/compiler), not here.
  yout=$(cd $dir && yara -w $(basename $f) data 2>&1 >/dev/null |
         grep -vE 'invalid hex string|invalid regular expression')
  if echo "$yout" | grep -qE "$syntax_re"; then want=reject
  elif [ -z "$yout" ]; then want=accept
  else want=semantic; fi
  if (cd $dir && $dump $(basename $f) >/dev/null 2>&1); then got=accept; else got=reject; fi
  if [ $want = reject ] && [ $got = reject ]; then continue; fi
  if [ $want != reject ] && [ $got = accept ]; then continue; fi
  # yara stops short at a semantic error, so a syntax error after it is invisible: not a
  # disagreement, but listed for review.
  if [ $want = semantic ]; then echo "unverifiable (yara: semantic): $(head -c 200 $f)"; continue; fi
  bad=$((bad+1))
  echo "MISMATCH yara=$want ours=$got: $(head -c 300 $f)"; echo "  yara: $yout"; echo "  ours: $(cd $dir && $dump $(basename $f) 2>&1 | head -2)"
done
echo "parity: $((total-bad))/$total agree"
rm -rf $dir
[ $bad = 0 ]
