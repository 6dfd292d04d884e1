/** Ships the model API's log lines into the emulator's log group, as the awslogs driver does. */
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

export type LogLevel = 'INFO' | 'WARNING' | 'ERROR';

export interface LogShipper {
  log(level: LogLevel, message: string): void;
  /**
   * A line stamped with an earlier time (the history a sandbox starts from). Call before any
   * `log()`: PutLogEvents takes a batch's events in time order.
   */
  logAt(time: Date, level: LogLevel, message: string): void;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startLogShipper(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string, echo?: (line: string) => void): Promise<LogShipper> {
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })).catch((error: { name?: string }) => {
    if (error.name !== 'ResourceAlreadyExistsException') throw error;
  });
  let buffer: { timestamp: number; message: string }[] = [];
  let sending: Promise<void> = Promise.resolve();
  const flush = () => {
    if (buffer.length === 0) return sending;
    const logEvents = buffer;
    buffer = [];
    sending = sending
      .then(() => logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents })))
      .then(() => undefined, () => undefined);
    return sending;
  };
  const timer = setInterval(() => void flush(), 250);
  timer.unref();
  const logAt = (time: Date, level: LogLevel, message: string) => {
    const line = `${time.toISOString().slice(11, 23)} ${level}: ${message}`;
    buffer.push({ timestamp: time.getTime(), message: line });
    echo?.(line);
  };
  return {
    log: (level, message) => logAt(new Date(), level, message),
    logAt,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
