// Commands on the training engine: which one trains and why, and installing the native TensorFlow engine.
import * as vscode from 'vscode';
import type { Lab } from '../context';
import { Commands } from '../commandIds';
import { installNativeEngine } from '../nativeInstall';
import { formatEngineReport } from '../../native/engineReport';
import type { CommandFactories } from './types';

async function showEngineInfo(lab: Lab): Promise<void> {
  const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Gradient Lab: probing engines' }, () => lab.client.engineInfo());
  lab.status.setEngine(info.engine, info.tensorflow?.version);
  lab.status.idle();
  lab.log.appendLine(`TensorFlow.js ${info.tfjsVersion}\n${formatEngineReport(info)}`);
  const passedOver = info.candidates.filter((c) => c.status === 'unavailable').map((c) => c.name).join(', ');
  const action = await vscode.window.showInformationMessage(`Gradient Lab trains on ${info.engine}${passedOver ? ` (unavailable: ${passedOver})` : ''}.`, 'Details', 'Install Native Engine…');
  if (action === 'Details') lab.log.show();
  if (action === 'Install Native Engine…') await vscode.commands.executeCommand(Commands.installNativeEngine);
}

export const engineCommands: CommandFactories = {
  showEngineInfo: (lab) => () => showEngineInfo(lab),
  // the backend restarts onto the new engine only when nothing trains (BackendRestart waits for the run or sweep)
  installNativeEngine: (lab) => (kind?: 'cpu' | 'gpu') => installNativeEngine(lab.extension, lab.client, lab.log, () => lab.restart.request(), kind),
};
