/**
 * Raised when a definition cannot be written as schema-valid XPDL 2.1 (an Id that is not an
 * NMTOKEN, activity Ids shared between processes of one package, …). Writing an invalid document
 * would only move the failure to whichever tool reads it next.
 */
export class XpdlExportError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`Cannot export to XPDL: ${where}: ${reason}`);
    this.name = 'XpdlExportError';
  }
}
