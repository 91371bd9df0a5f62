/** Variables visible to an expression: a process instance's data fields, by name. */
export interface Scope {
  [name: string]: unknown;
}

export interface CompiledExpression {
  readonly source: string;
  evaluate(scope: Scope): unknown;
  /** Top-level variable names the expression reads (for deploy-time validation against declared data fields). */
  identifiers(): string[];
  /** As a condition, when the language has its own notion of truth (JavaScript's `!!`). */
  test?(scope: Scope): boolean;
  /** Set when the names read cannot be decided from the source (why): assume every field is read. */
  readonly undecidable?: string;
}

export interface CompiledScript {
  readonly source: string;
  /** Runs the statements against a COPY of scope; returns only the variables assigned (name -> new value). Never mutates `scope`. */
  run(scope: Scope): Record<string, unknown>;
  /** Variables the script assigns (every target that appears, whichever branch runs). */
  assigned(): string[];
  /**
   * Top-level variable names the script reads, including those it also assigns and the targets
   * of `+=` / `-=`. Assigned names are listed by `assigned()`.
   */
  identifiers(): string[];
  /** Set when the names read and written cannot be decided from the source (why): assume every field. */
  readonly undecidable?: string;
}
