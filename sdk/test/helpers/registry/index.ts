export { makeServerCertificate, makeSigningCertificate, type TlsFiles } from './certs';
export { startCuttingProxy, type CutRule, type CuttingProxy } from './cutting-proxy';
export { freePort, run } from './process';
export { startRegistry, type RegistryOptions, type TestRegistry } from './registry';
export { startTokenServer, type TokenRequest, type TokenServer, type TokenServerOptions } from './token-server';
export { bufferSource, describe as describeBytes, imageManifest, randomBlob, readAll, sha256, type RecordingSource } from './blobs';
export { fastSleep, forbiddenFetch, spyFetch, type RecordedRequest } from './fetch-spy';
