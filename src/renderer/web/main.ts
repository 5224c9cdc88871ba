// Web client entry: the page provides window.parley itself (over ChatClient, to the server that
// served the page), then mounts the same app as the desktop window.
import '../src/lib/csp-safe-zod';
import { mount } from 'svelte';
import App from '../src/App.svelte';
import '../src/app.css';
import { AppState } from '../src/lib/app-state.svelte';
import { createWebBridge } from './web-bridge';

Object.defineProperty(window, 'parley', { value: createWebBridge(), enumerable: true });

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element.');

export default mount(App, { target, props: { app: new AppState(window.parley) } });
