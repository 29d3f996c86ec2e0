// cipipeDecideStrategy: runs `cipipe decide-strategy` and returns risk-decision.json parsed.
// Help: vars/cipipeDecideStrategy.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeDecideStrategy', command: 'decide-strategy', args: args,
                      output: 'risk-decision.json', credentials: ['artifactory', 'artifactoryUser', 'slack', 'db', 'audit'],
                      flags: [
        inputs     : '--inputs',
        context    : '--context',
        label      : '--label',
        policy     : '--policy',
        mode       : '--mode',
        export     : '--export',
        exportPlan : '--export-plan',
        approvalUrl: '--approval-url',
        analysisTemplate: '--analysis-template',
        analysisScope: '--analysis-scope',
        prometheusAddress: '--prometheus-address',
        db         : '--db',
        target     : '--target',
        via        : '--via',
        repository : '--repository',
        channel    : '--channel',
        allowRejected: '--allow-rejected',
        modelUrl   : '--model-url',
        modelDeadline: '--model-deadline',
    ])
}
