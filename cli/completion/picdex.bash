# bash completion for picdex. Commands and options come from the installed binary's own
# --help, so they are never out of date; option values that are a fixed set are listed.
_picdex() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} picdex=${COMP_WORDS[0]}
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "$("$picdex" --help 2>/dev/null |
      awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')" -- "$cur")
    return
  fi
  case $prev in
    --mode)  # eval also takes "all"; search takes one mode
      local modes="vector keyword hybrid"
      [[ ${COMP_WORDS[1]} == eval ]] && modes+=" all"
      mapfile -t COMPREPLY < <(compgen -W "$modes" -- "$cur")
      return
      ;;
    --graph) mapfile -t COMPREPLY < <(compgen -W "float32 int8" -- "$cur"); return ;;
    --format) mapfile -t COMPREPLY < <(compgen -W "tsv csv jsonl" -- "$cur"); return ;;
    --images) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    --embedder) mapfile -t COMPREPLY < <(compgen -W "learned learned-v1 learned-v2 learned-v3 lexical none" -- "$cur"); return ;;
  esac
  if [[ $cur == -* ]]; then
    # The subcommand's options: the names its help lists under "options:".
    mapfile -t COMPREPLY < <(compgen -W "$("$picdex" "${COMP_WORDS[1]}" --help 2>/dev/null |
      awk '/^options:$/ { listed = 1; next } listed && /^$/ { exit }
           listed && /^  -/ { sub(/^  /, ""); sub(/  .*/, ""); print }' |
      grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur")
    return
  fi
  compopt -o filenames 2> /dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _picdex picdex
