export * from './cron';
export * from './evaluate';
export * from './policy';
