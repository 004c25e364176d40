savedcmd_/work/main/module/xballoon.mod := printf '%s\n'   main.o hv.o steal.o steal_acct.o dev.o | awk '!x[$$0]++ { print("/work/main/module/"$$0) }' > /work/main/module/xballoon.mod
