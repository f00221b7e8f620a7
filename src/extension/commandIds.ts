// Every command id of the extension, spelled once: package.json contributes them, commands/ registers them, the
// end-to-end tests run them by these names (a unit test holds the three together).
export const Commands = {
  trainExperiment: 'gradientLab.trainExperiment',
  runSweep: 'gradientLab.runSweep',
  newExperiment: 'gradientLab.newExperiment',
  showModelSummary: 'gradientLab.showModelSummary',
  openReport: 'gradientLab.openReport',
  createImageFolder: 'gradientLab.createImageFolder',
  stopTraining: 'gradientLab.stopTraining',
  showTrainingPanel: 'gradientLab.showTrainingPanel',
  openRun: 'gradientLab.openRun',
  showEngineInfo: 'gradientLab.showEngineInfo',
  installNativeEngine: 'gradientLab.installNativeEngine',
  checkDerivations: 'gradientLab.checkDerivations',
  insertGradcheckBlock: 'gradientLab.insertGradcheckBlock',
  declareNetwork: 'gradientLab.declareNetwork',
  probeGradients: 'gradientLab.probeGradients',
  compareRuns: 'gradientLab.compareRuns',
  compareGradients: 'gradientLab.compareGradients',
  refreshRuns: 'gradientLab.refreshRuns',
  deleteRun: 'gradientLab.deleteRun',
  revealRun: 'gradientLab.revealRun',
  openExample: 'gradientLab.openExample',
  showDerivationResult: 'gradientLab.showDerivationResult',
  openExampleDerivation: 'gradientLab.openExampleDerivation',
  exportKeras: 'gradientLab.exportKeras',
} as const;

export type CommandName = keyof typeof Commands;
