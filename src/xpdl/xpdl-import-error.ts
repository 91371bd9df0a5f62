/**
 * Raised when an XPDL document cannot be imported faithfully. The importer refuses rather than
 * guesses: a definition that silently lost a construct with execution meaning would run
 * differently from what its author designed, which is worse than not running at all.
 *
 * The message always names the element, the Id that locates it, why it was refused and, where
 * there is one, what to model instead — it is what a department administrator sees when a
 * publish is rejected.
 */
export class XpdlImportError extends Error {
  /** The XPDL element that was refused, e.g. `BlockActivity`, `Deadline`, `Transition`. */
  readonly element: string;
  /** The Id that locates the element (its own, or its activity's / process's when it has none). */
  readonly elementId?: string;
  /** Why it was refused, and what to do instead. */
  readonly reason: string;

  constructor(init: {
    element: string;
    elementId?: string;
    reason: string;
    /** Where the element sits, e.g. `Activity "a7" (process "p1")` or `process "p1"`. */
    location?: string;
    /** `unsupported`: valid XPDL Interflow cannot run; `invalid`: the document itself is broken. */
    problem?: 'unsupported' | 'invalid';
  }) {
    const headline = init.problem === 'invalid' ? 'Invalid XPDL' : 'Unsupported XPDL construct';
    // `BlockActivity in Activity "a7" (process "p1")` or `Transition "t9" in process "p1"`:
    // the Id is spelled out once, whichever part carries it.
    const quotedId = init.elementId !== undefined ? `"${init.elementId}"` : undefined;
    const idPart = quotedId && !(init.location ?? '').includes(quotedId) ? ` ${quotedId}` : '';
    const locationPart = init.location ? ` in ${init.location}` : '';
    super(`${headline}: ${init.element}${idPart}${locationPart}: ${init.reason}`);
    this.name = 'XpdlImportError';
    this.element = init.element;
    if (init.elementId !== undefined) this.elementId = init.elementId;
    this.reason = init.reason;
  }
}
