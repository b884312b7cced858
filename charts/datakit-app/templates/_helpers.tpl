{{/* The chart name, at most 63 characters. */}}
{{- define "datakit-app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's objects, at most 63 characters. */}}
{{- define "datakit-app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "datakit-app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "datakit-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "datakit-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "datakit-app.labels" -}}
helm.sh/chart: {{ include "datakit-app.chart" . }}
{{ include "datakit-app.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: github-app
app.kubernetes.io/part-of: datakit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "datakit-app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "datakit-app.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository@digest when a digest is set, else repository:tag (default appVersion). */}}
{{- define "datakit-app.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* APP_ID as digits. Values files give numbers as float64, which would print as 1.234567e+06. */}}
{{- define "datakit-app.appId" -}}
{{- $appId := int64 .Values.github.appId }}
{{- if le $appId 0 }}
{{- fail "github.appId is required: the GitHub App ID (a positive integer)" }}
{{- end }}
{{- $appId }}
{{- end }}

{{- define "datakit-app.secretName" -}}
{{- required "secrets.existingSecret is required: the Secret holding the private key and the webhook secret (the chart never creates one)" .Values.secrets.existingSecret }}
{{- end }}
