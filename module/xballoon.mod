/work/main/module/main.o
/work/main/module/hv.o
/work/main/module/steal.o
/work/main/module/steal_acct.o
/work/main/module/dev.o
