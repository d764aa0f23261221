// Fleet publishing: sign and publish the deny list, the trust list, or one terminal's config to the fleet over MQTT.
import type { ReactNode } from 'react';
import { apiPost } from '../../api/client.js';
import { ActionForm } from '../../components/form.js';

const published = (r: unknown): string => {
  const v = (r as { version?: number } | undefined)?.version;
  return v !== undefined ? `Published version ${v} (retained on the broker).` : 'Published.';
};

export default function Fleet(): ReactNode {
  return (
    <>
      <h1>Fleet publishing</h1>
      <p>Each message is signed by the back office and published retained, so a terminal that is offline now gets it when it reconnects.</p>
      <div className="forms">
        <ActionForm title="Publish the deny list" submit="Sign and publish the deny list" fields={[]} action={() => apiPost('/fleet/denylist', {})} describe={published} />
        <ActionForm title="Publish the trust list" submit="Publish the trust list" fields={[]} action={() => apiPost('/fleet/trust', {})} describe={published} />
        <ActionForm
          title="Publish a terminal's config"
          submit="Sign and publish the config"
          fields={[
            { name: 'terminalId', label: 'Terminal id', required: true },
            { name: 'config', label: 'Config (JSON)', type: 'textarea', required: true, placeholder: '{"currency":"EUR","operatorId":"OP-CITYBUS","line":"42","utcOffsetMinutes":0,"fares":[{"zone":0,"fromMinute":0,"toMinute":1440,"fare":180}]}' },
          ]}
          action={(v) => {
            let config: unknown;
            try {
              config = JSON.parse(v.config ?? '');
            } catch {
              throw new Error('The config is not valid JSON.');
            }
            return apiPost(`/fleet/config/${encodeURIComponent(v.terminalId ?? '')}`, config);
          }}
          describe={published}
        />
      </div>
    </>
  );
}
