/** Module Worker entry: hosts the engines and exposes them to the main thread with comlink. */
import { expose } from 'comlink';
import { installErrorTransfer } from '../errorTransfer.js';
import { EngineHost } from './engineHost.js';

installErrorTransfer();
expose(new EngineHost());
