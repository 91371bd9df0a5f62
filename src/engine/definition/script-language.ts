/**
 * The language a definition's conditions, initial values, durations and scripts are written in,
 * from the script type its package declares (XPDL `Package/Script@Type`):
 * - `javascript` for the JavaScript/ECMAScript MIME types and names Shark, JaWE and Together
 *   write; run by QuickJS in a sandbox (src/engine/script/javascript.ts);
 * - `interflow`, the engine's own expression language (src/engine/expression), for everything
 *   else: no declaration, Interflow's own, and Java/BeanShell — whose simple conditions
 *   (`a == 2 && b`) it reads the same way, and whose method calls it refuses by name at deploy.
 */
export type ScriptLanguage = 'javascript' | 'interflow';

const JAVASCRIPT_TYPES = new Set([
  'text/javascript', 'application/javascript', 'text/ecmascript', 'application/ecmascript', 'text/x-javascript',
  'application/x-javascript', 'text/jscript', 'javascript', 'ecmascript', 'js', 'jscript',
]);

export function scriptLanguageOf(scriptType: string | undefined): ScriptLanguage {
  const t = scriptType?.trim().toLowerCase().replace(/\s*;.*$/, '');
  return t && JAVASCRIPT_TYPES.has(t) ? 'javascript' : 'interflow';
}
