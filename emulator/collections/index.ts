// emulator/collections: the platform's document collections and key-value store over SQLite.
// See README.md beside this file.
export { CollectionsEngine, type CollectionSummary, type SchemaRecord, type UpdateResult } from './engine';
export { dataService, DATA_SERVICE_METHODS, type DataServiceHandlers } from './service';
export { DataError, Status } from './errors';
export { DATA_FILE, dataFile, openDatabase } from './database';
export { gatewayCollections, type GatewayCollections } from './gateway';
