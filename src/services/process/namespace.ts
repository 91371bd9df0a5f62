export const PROCESS_SERVICE_NS = 'urn:interflow:process-service:1';
export const PROCESS_SERVICE_PATH = '/services/ProcessService';
