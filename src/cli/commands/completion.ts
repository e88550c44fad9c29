import { Command } from 'commander';
import { EXIT, usageError } from '../errors';
import { Output } from '../output';

/** Every long option of a command, its global ones included. */
const optionsOf = (cmd: Command, globals: readonly string[]): string[] => [...new Set([...cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l)), ...globals, '--help'])];

/**
 * A bash completion script built from the commands as registered, so it never drifts from them.
 * zsh loads the same script through bashcompinit.
 */
export function bashCompletion(program: Command): string {
  const globals = optionsOf(program, []).filter((o) => o !== '--version');
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands
    .map((c) => {
      const subs = c.commands.map((s) => s.name());
      return `    ${c.name()}) opts="${[...subs, ...optionsOf(c, globals)].join(' ')}" ;;`;
    })
    .join('\n');
  return `# snapward completion for bash (and zsh via bashcompinit)
_snapward() {
  local cur prev cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "$prev" in
    --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --log-level) COMPREPLY=( $(compgen -W "debug info warn error silent" -- "$cur") ); return ;;
    --tier) COMPREPLY=( $(compgen -W "0 1 2 3" -- "$cur") ); return ;;
  esac
  case "$cmd" in
${cases}
    *) opts="${globals.join(' ')}" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _snapward snapward
`;
}

export function registerCompletion(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('completion')
    .description('print a shell completion script: eval "$(snapward completion bash)" (or zsh) in your shell profile')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') out.line(bashCompletion(program).trimEnd());
      else if (shell === 'zsh') out.line(`autoload -U +X bashcompinit && bashcompinit\n${bashCompletion(program).trimEnd()}`);
      else throw usageError('<shell>', shell, 'bash or zsh');
      setExit(EXIT.ok);
    });
}
