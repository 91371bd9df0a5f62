/** XPDL (WfMC Interface 1) import and export for Interflow's process definitions. */
export { importXpdl } from './xpdl-import';
export { exportXpdl, type XpdlExportOptions } from './xpdl-export';
export { XpdlImportError } from './xpdl-import-error';
export { XpdlExportError } from './xpdl-export-error';
export { MAX_XPDL_BYTES, XPDL_NAMESPACES, type XpdlVersion } from './xpdl-document';
export { remoteProcessId } from './xpdl-values';
