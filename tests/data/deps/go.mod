module github.com/org/repo

go 1.22.0

toolchain go1.22.5

require (
	github.com/aquasecurity/go-dep-parser v0.0.0-20211110174639-8257534ffed3
	github.com/aquasecurity/go-version v0.0.0-20240603093900-cf8a8d29271d
)

require (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	github.com/stretchr/testify v1.9.0 // indirect
	golang.org/x/xerrors v0.0.0-20231012003039-104605ab7028 // indirect
	gopkg.in/yaml.v3 v3.0.0-20210107192922-496545a6307b // indirect
)

replace github.com/aquasecurity/go-dep-parser v0.0.0-20211110174639-8257534ffed3 => github.com/aquasecurity/go-dep-parser v0.0.0-20220406074731-71021a481237

replace golang.org/x/xerrors => ./xerrors
