// Waits for an Amazon ECS service deployment to finish and reports whether it worked, and if not, why.
package waitforecsdeploy
