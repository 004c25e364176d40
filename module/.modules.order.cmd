savedcmd_/work/main/module/modules.order := {   echo /work/main/module/xballoon.o; :; } > /work/main/module/modules.order
