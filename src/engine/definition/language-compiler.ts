import { compileExpression, compileScript, type CompiledExpression, type CompiledScript } from '../expression';
import { compileJavaScriptExpression, compileJavaScriptScript, loadJavaScript } from '../script/javascript';
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
