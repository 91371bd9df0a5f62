import { compileExpression, compileScript, type CompiledExpression, type CompiledScript } from '../expression';
import { compileJavaScriptExpression, compileJavaScriptScript, loadJavaScript } from '../script/javascript';
import { scanJsNames } from '../script/js-names';
import type { ProcessDefinition } from './process-definition';
import { scriptLanguageOf } from './script-language';

export interface Compiler {
  expression(source: string): CompiledExpression;
  script(source: string): CompiledScript;
}

/** Compiles in the definition's language (uncached; CompiledDefinition caches). */
export function compilerFor(def: Pick<ProcessDefinition, 'scriptType' | 'dataFields'>): Compiler {
  if (scriptLanguageOf(def.scriptType) === 'interflow') return { expression: compileExpression, script: compileScript };
  const options = { dateFields: new Set(def.dataFields.filter((f) => f.type === 'DATETIME').map((f) => f.id)) };
  return {
    expression: (source) => compileJavaScriptExpression(source, options),
    script: (source) => compileJavaScriptScript(source, options),
  };
}

/** What must be loaded before a definition can be compiled (the interpreter is loaded once). */
export async function prepareLanguage(def: Pick<ProcessDefinition, 'scriptType'>): Promise<void> {
  if (scriptLanguageOf(def.scriptType) === 'javascript') await loadJavaScript();
}

/**
 * Compiles only as far as the names a source reads and assigns — what the data contract needs —
 * so that a JavaScript definition's contract can be shown (data flows, held packages) in a process
 * that never loaded the interpreter. Evaluating what it returns is an error.
 */
export function namesCompilerFor(def: Pick<ProcessDefinition, 'scriptType' | 'dataFields'>): Compiler {
  if (scriptLanguageOf(def.scriptType) === 'interflow') return compilerFor(def);
  const names = (source: string) => {
    const n = scanJsNames(source);
    const refuse = (): never => {
      throw new Error('names only: compile with compilerFor() to evaluate');
    };
    return { source, n, refuse, extra: n.undecidable ? { undecidable: n.undecidable } : {} };
  };
  return {
    expression: (source) => {
      const { n, refuse, extra } = names(source);
      return { source, evaluate: refuse, identifiers: () => [...n.reads], ...extra };
    },
    script: (source) => {
      const { n, refuse, extra } = names(source);
      return { source, run: refuse, assigned: () => [...n.writes], identifiers: () => [...n.reads], ...extra };
    },
  };
}
