// cipipeChecklist: runs `cipipe checklist` (the Step-2 deliverables, before Step 3).
// Help: vars/cipipeChecklist.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeChecklist', command: 'checklist', args: args,
                      output: null, credentials: ['artifactory', 'artifactoryUser'],
                      flags: [
        repo      : '--repo',
        config    : '--config',
        target    : '--target',
        via       : '--via',
        repository: '--repository',
    ])
}
