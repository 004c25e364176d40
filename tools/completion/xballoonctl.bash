# SPDX-License-Identifier: GPL-2.0
#
# bash completion for xballoonctl(8): commands, their options, and the
# values that can be listed (on/off, learn, pids, cgroup directories).

_xballoonctl()
{
	local cur prev words cword
	_init_completion || return

	local cmds="info steal status set vclock credit metrics help"
	local i cmd="" sub=""

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ $cmd == credit && -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		fi
		return
	fi

	case $prev in
	--cap)
		COMPREPLY=($(compgen -W 'learn 25 50 75 100' -- "$cur"))
		return
		;;
	--cap-pm)
		COMPREPLY=($(compgen -W '0 250 500 750 1000' -- "$cur"))
		return
		;;
	--period-us)
		COMPREPLY=($(compgen -W '1000 10000 100000' -- "$cur"))
		return
		;;
	--interval)
		COMPREPLY=($(compgen -W '100 1000' -- "$cur"))
		return
		;;
	--pid)
		_pids
		return
		;;
	--comm)
		COMPREPLY=($(compgen -W "$(ps -eo comm= 2>/dev/null | sort -u)" -- "$cur"))
		return
		;;
	--cgroup)
		_filedir -d
		return
		;;
	--cgroup-id)
		return
		;;
	--textfile)
		_filedir -d
		return
		;;
	esac

	case $cmd in
	info | status)
		COMPREPLY=($(compgen -W '--json --help' -- "$cur"))
		;;
	steal)
		COMPREPLY=($(compgen -W '--json --interval --help' -- "$cur"))
		;;
	set)
		COMPREPLY=($(compgen -W '--period-us --cap --cap-pm --help' -- "$cur"))
		;;
	vclock)
		COMPREPLY=($(compgen -W 'on off --json --help' -- "$cur"))
		;;
	metrics)
		COMPREPLY=($(compgen -W '--textfile --help' -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "${cmds% help}" -- "$cur"))
		;;
	credit)
		case $sub in
		"")
			COMPREPLY=($(compgen -W 'list add del clear --help' -- "$cur"))
			;;
		list)
			COMPREPLY=($(compgen -W '--json --help' -- "$cur"))
			;;
		add)
			COMPREPLY=($(compgen -W '--pid --comm --cgroup --cgroup-id --no-schedstats --help' -- "$cur"))
			;;
		del)
			COMPREPLY=($(compgen -W '--pid --comm --cgroup --cgroup-id --help' -- "$cur"))
			;;
		clear)
			COMPREPLY=($(compgen -W '--help' -- "$cur"))
			;;
		esac
		;;
	esac
} &&
	complete -F _xballoonctl xballoonctl

# ex: filetype=sh
