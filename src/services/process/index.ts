export { processService, PROCESS_SERVICE_NS, PROCESS_SERVICE_PATH } from './process-service';
