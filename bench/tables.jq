# bench/tables.jq: the formatting helpers of the bench's table scripts
# (cap-tables.sh, sharing-tables.sh): jq -L bench, include "tables".
def ms: if . == null then "-" else (. / 10 | round / 100 | tostring) end;
def num: if . == null then "-" else tostring end;
def ratio(a; b): if a == null or b == null or b == 0 then null else a / b end;
def yn: if . == null then "-" elif . then "met" else "**missed**" end;
